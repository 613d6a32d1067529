import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { closed, get } from './testing/http.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'shutdown-server.mjs');

interface Fixture {
  child: ChildProcess;
  port: number;
  events: Array<{ event: string; at: number }>;
  stderr: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

// The child-process tests run concurrently (each mostly waits on its child), so the cleanup is per
// file: a child still alive here belongs to a test that failed.
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** Starts the fixture server in a child process and waits until it listens. */
function startFixture(env: Record<string, string>): Promise<Fixture> {
  const child = spawn(process.execPath, [FIXTURE], {
    cwd: path.join(import.meta.dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const events: Fixture['events'] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => {
    child.once('exit', (code) => resolve({ code, at: Date.now() }));
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as { event: string; at: number; port?: number };
        events.push(event);
        if (event.event === 'listening' && event.port) {
          resolve({ child, port: event.port, events, stderr: () => stderr, exited });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code} before listening: ${stderr}`)));
  });
}

/** Waits until the fixture reported `name` (e.g. `shutdown`: the signal was handled). */
async function waitForEvent(fixture: Fixture, name: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!fixture.events.some((event) => event.event === name)) {
    if (Date.now() > until) throw new Error(`the fixture did not report "${name}" in ${ms} ms: ${fixture.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const seen = (fixture: Fixture, name: string): boolean => fixture.events.some((event) => event.event === name);

describe.concurrent.each(['express4', 'express'])('gracefulShutdown of a real child process (%s)', (expressPackage) => {
  it('on SIGTERM fails readiness, keeps serving for the delay, drains in-flight and keep-alive requests, runs hooks, exits 0', async ({
    expect,
  }) => {
    const fixture = await startFixture({ EXPRESS_PACKAGE: expressPackage, DELAY: '1000', TIMEOUT: '10000' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      // An idle keep-alive connection, and three slow requests in flight on keep-alive connections.
      const idle = await get(fixture.port, '/fast', agent);
      expect(idle.body).toBe('fast');
      const idleClosed = closed(idle.socket);
      expect((await get(fixture.port, '/health/ready')).status).toBe(200);
      const slow = Array.from({ length: 3 }, () => get(fixture.port, '/slow?ms=1800', agent));
      await new Promise((resolve) => setTimeout(resolve, 200));

      const signalled = Date.now();
      fixture.child.kill('SIGTERM');
      await waitForEvent(fixture, 'shutdown');
      // Within the delay: readiness fails, liveness passes, new connections are still served.
      const ready = await get(fixture.port, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toBe('{"status":"fail"}');
      expect((await get(fixture.port, '/health/live')).status).toBe(200);
      const fresh = await get(fixture.port, '/fast');
      expect([fresh.status, fresh.body]).toEqual([200, 'fast']);
      expect(seen(fixture, 'beforeShutdown')).toBe(false);

      const answers = await Promise.all(slow);
      expect(answers.map((answer) => [answer.status, answer.body, answer.headers.connection])).toEqual(
        Array(3).fill([200, 'slow done', 'close']),
      );
      await idleClosed;
      await expect(get(fixture.port, '/fast')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      const exit = await fixture.exited;
      expect(exit.code).toBe(0);
      expect(exit.at - signalled).toBeGreaterThanOrEqual(1000);
      expect(exit.at - signalled).toBeLessThan(10_000);
      expect(fixture.events.map((event) => event.event)).toEqual([
        'listening',
        'shutdown',
        'beforeShutdown',
        'slow-finished',
        'slow-finished',
        'slow-finished',
        'onShutdown',
      ]);
      const before = fixture.events.find((event) => event.event === 'beforeShutdown');
      expect((before?.at ?? 0) - signalled).toBeGreaterThanOrEqual(1000);
      expect(fixture.stderr()).toBe('');
    } finally {
      agent.destroy();
    }
  });
});

describe.concurrent('gracefulShutdown hard deadline', () => {
  it('exits with code 1 at the deadline when a hook hangs', async ({ expect }) => {
    const fixture = await startFixture({ DELAY: '100', TIMEOUT: '1500', HANG_HOOK: '1' });
    const signalled = Date.now();
    fixture.child.kill('SIGTERM');
    const exit = await fixture.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - signalled).toBeGreaterThanOrEqual(1450);
    expect(exit.at - signalled).toBeLessThan(6000);
    expect(fixture.events.map((event) => event.event)).toEqual([
      'listening',
      'shutdown',
      'beforeShutdown',
      'onShutdown',
    ]);
    expect(fixture.stderr()).toBe('gracefulShutdown: hard deadline of 1500 ms passed, forcing exit\n');
  });

  it('exits at once with code 1 on a second signal during the delay', async ({ expect }) => {
    const fixture = await startFixture({ DELAY: '20000', TIMEOUT: '30000' });
    fixture.child.kill('SIGTERM');
    await waitForEvent(fixture, 'shutdown');
    expect((await get(fixture.port, '/health/ready')).status).toBe(503);
    const signalled = Date.now();
    fixture.child.kill('SIGINT');
    const exit = await fixture.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - signalled).toBeLessThan(5000);
    expect(fixture.stderr()).toBe('gracefulShutdown: second SIGINT while shutting down, exiting now\n');
    expect(fixture.events.map((event) => event.event)).toEqual(['listening', 'shutdown']);
  });

  it('destroys a request that never ends at the deadline', async ({ expect }) => {
    const fixture = await startFixture({ DELAY: '0', TIMEOUT: '1000' });
    const hanging = get(fixture.port, '/slow?ms=60000&tell=1').catch((error: NodeJS.ErrnoException) => error.code);
    await waitForEvent(fixture, 'slow-started'); // in the handler, not merely in the accept backlog
    const signalled = Date.now();
    fixture.child.kill('SIGTERM');
    expect(await hanging).toBe('ECONNRESET');
    const exit = await fixture.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - signalled).toBeGreaterThanOrEqual(950);
    // (onShutdown may or may not get to start once the destroyed connections let the server close:
    // the exit does not wait for it.)
    expect(fixture.events.map((event) => event.event).slice(0, 4)).toEqual([
      'listening',
      'slow-started',
      'shutdown',
      'beforeShutdown',
    ]);
  });
});
