import http from 'node:http';
import { CHANNELS, type HealthEvent, subscribe } from '@expresskit/core';
import { describe, expect, it } from 'vitest';
import { gracefulShutdown } from './shutdown.js';
import { closed, get } from './testing/http.js';

describe('gracefulShutdown in process', () => {
  it('shutdown() without exiting: marks health, closes the server, runs hooks in order, resolves 0', async () => {
    const order: string[] = [];
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const controller = gracefulShutdown(server, {
      signals: [],
      delay: 0,
      timeout: 5000,
      exit: false,
      health: { markShuttingDown: () => order.push('health') },
      beforeShutdown: [() => order.push('before-1'), async () => order.push('before-2')],
      onShutdown: () => order.push(`on (listening: ${server.listening})`),
    });
    expect(controller.state).toBe('running');
    const seen: HealthEvent[] = [];
    const unsubscribe = subscribe(CHANNELS.health, (event) => seen.push(event));
    const pending = controller.shutdown();
    unsubscribe();
    expect(seen).toEqual([{ type: 'state', probe: 'shutdown', status: 'fail', previous: 'pass' }]);
    expect(controller.state).toBe('draining');
    expect(await pending).toBe(0);
    expect(controller.shutdown()).toBe(pending);
    expect(controller.state).toBe('closed');
    expect(order).toEqual(['health', 'before-1', 'before-2', 'on (listening: false)']);
  });

  it('closes a keep-alive connection whose response had already started when the shutdown began', async () => {
    let started: () => void = () => {};
    const headersSent = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finish: () => void = () => {};
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('part 1, ');
      started();
      finish = () => res.end('part 2');
    });
    // Were the connection left to its keep-alive timeout, the 5 s deadline would end the shutdown with 1.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const agent = new http.Agent({ keepAlive: true });
    try {
      const controller = gracefulShutdown(server, {
        signals: [],
        delay: 0,
        timeout: 5000,
        exit: false,
        logger: { warn: () => {}, error: () => {} },
      });
      const answer = get(port, '/stream', agent);
      await headersSent;
      const done = controller.shutdown();
      await new Promise((resolve) => setImmediate(resolve));
      expect(controller.state).toBe('draining');
      finish();
      const { status, body, headers, socket } = await answer;
      expect([status, body, headers.connection]).toEqual([200, 'part 1, part 2', 'keep-alive']);
      await closed(socket);
      expect(await done).toBe(0);
      expect(server.listening).toBe(false);
    } finally {
      agent.destroy();
      server.closeAllConnections();
    }
  });

  it('resolves 1 and logs, instead of rejecting, when closing the server throws', async () => {
    const errors: unknown[][] = [];
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failure = new Error('not an http server');
    server.closeIdleConnections = () => {
      throw failure;
    };
    const controller = gracefulShutdown(server, {
      signals: [],
      delay: 0,
      exit: false,
      logger: { warn: () => {}, error: (...args: unknown[]) => errors.push(args) },
    });
    try {
      expect(await controller.shutdown()).toBe(1);
      expect(controller.state).toBe('closed');
      expect(errors).toEqual([['gracefulShutdown: closing the server failed:', failure]]);
    } finally {
      Reflect.deleteProperty(server, 'closeIdleConnections'); // back to the prototype's
      server.close();
    }
  });

  it('resolves 1 and logs when a hook throws, still running the others', async () => {
    const errors: unknown[][] = [];
    const server = http.createServer();
    let ran = false;
    const controller = gracefulShutdown(server, {
      signals: [],
      delay: 0,
      exit: false,
      logger: { warn: () => {}, error: (...args: unknown[]) => errors.push(args) },
      onShutdown: [
        () => {
          throw new Error('redis quit failed');
        },
        () => {
          ran = true;
        },
      ],
    });
    expect(await controller.shutdown()).toBe(1);
    expect(ran).toBe(true);
    expect(errors).toEqual([['gracefulShutdown: onShutdown hook failed:', new Error('redis quit failed')]]);
  });

  it.each([
    [
      { delay: -5 },
      `gracefulShutdown: "delay" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got -5`,
    ],
    [{ delay: '10s', timeout: '5s' }, 'gracefulShutdown: "timeout" (5000 ms) must be longer than "delay" (10000 ms)'],
    [{ onShutdown: 'close' }, 'gracefulShutdown: "onShutdown" must be functions'],
    [{ health: {} }, 'gracefulShutdown: "health" must be health() routers'],
    [{ signals: ['TERM'] }, 'gracefulShutdown: "signals" must be an array of signal names, got ["TERM"]'],
    [{ exit: 0 }, 'gracefulShutdown: "exit" must be a function or false, got number'],
  ])('rejects %j', (options, message) => {
    expect(() => gracefulShutdown(http.createServer(), options as never)).toThrow(new TypeError(message));
  });
});
