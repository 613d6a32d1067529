import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@expresskit/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** The built entry point `pnpm start` runs (turbo builds before testing; run `pnpm run build` by hand otherwise). */
const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));

interface Started {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function run(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: Started = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    started.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    started.stderr += chunk.toString();
  });
  return started;
}

/** Resolves once the server printed its URL; rejects if it exits first or after 45 s (a loaded machine). */
async function listening(started: Started): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (!started.stdout.includes('listening on')) {
    if (started.child.exitCode !== null) throw new Error(`server exited: ${started.stderr}`);
    if (Date.now() > deadline) throw new Error('server did not start within 45 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the built server (what `pnpm start` runs)', () => {
  let started: Started | undefined;
  afterEach(async () => {
    if (started && started.child.exitCode === null) {
      started.child.kill('SIGKILL');
      await started.exit;
    }
    started = undefined;
  });

  it('is built', () => {
    expect(existsSync(SERVER)).toBe(true);
  });

  it('starts on PORT, logs its URL, answers /health/ready, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const port = await freePort();
    started = run({ PORT: String(port), CURSOR_SECRET: 'test-secret-0123456789' });
    await listening(started);
    expect(started.stdout).toBe(`expresskit example API listening on http://localhost:${port} (memory stores)\n`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'pass' });
    const page = await fetch(`http://127.0.0.1:${port}/products?limit=1`);
    expect(page.status).toBe(200);
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });

  it('with SHUTDOWN_DELAY keeps serving after SIGTERM with readiness 503, then exits 0 and logs the drain', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    started = run({ PORT: String(port), CURSOR_SECRET: 'test-secret-0123456789', SHUTDOWN_DELAY: '1500ms' });
    await listening(started);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    const signalled = Date.now();
    started.child.kill('SIGTERM');
    const exit = started.exit.then((code) => ({ code, after: Date.now() - signalled }));
    // The signal is handled once the process logs it (a request may be answered just before).
    while (!started.stdout.includes('shutdown: SIGTERM') && Date.now() - signalled < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'fail' }]);
    const page = await fetch(`http://127.0.0.1:${port}/products?limit=1`);
    expect(page.status).toBe(200);
    const { code, after } = await exit;
    expect(code).toBe(0);
    expect(after).toBeGreaterThanOrEqual(1_500);
    const lines = started.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      /^shutdown: SIGTERM at \d{4}-\d\d-\d\dT[\d:.]+Z, readiness failing; serving 1500 ms more, exit by 25000 ms$/,
    );
    expect(lines[2]).toMatch(/^shutdown: closing the listener at \d{4}-\d\d-\d\dT[\d:.]+Z \(0 requests in flight\)$/);
    // 3 before the signal is handled or after: the two readiness probes and the page.
    expect(lines[3]).toMatch(
      /^shutdown: 3 responses sent since start \([23] after the signal\), 0 requests cut off, drained in \d+ ms$/,
    );
  });

  it('refuses to start with an invalid variable, naming it', { timeout: 30_000 }, async () => {
    started = run({ RATE_LIMIT: 'lots' });
    expect(await started.exit).toBe(1);
    expect(started.stderr).toBe(
      'Invalid configuration: RATE_LIMIT must be an integer from 1 to 60000000, got "lots"\n',
    );
  });
});
