import { CHANNELS, type HealthEvent, PROBLEM_CONTENT_TYPE, subscribe } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { health } from './health.js';
import { exceeded } from './pressure.js';
import { type UnderPressureHandler, type UnderPressureOptions, underPressure } from './under-pressure.js';

const handlers: UnderPressureHandler[] = [];
afterEach(() => {
  for (const handler of handlers.splice(0)) handler.close();
});

function create(options: UnderPressureOptions): UnderPressureHandler {
  const handler = underPressure(options);
  handlers.push(handler);
  return handler;
}

/** Blocks the event loop for `ms`, then waits until `handler` has taken a sample showing it. */
async function blockEventLoop(handler: UnderPressureHandler, ms: number): Promise<void> {
  // The delay monitor records from its second tick on: give it time to start.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy-wait
  }
  const deadline = Date.now() + 5000;
  while (handler.exceeded.length === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

async function waitUntilRelieved(handler: UnderPressureHandler): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (handler.exceeded.length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('exceeded', () => {
  const limits = { maxEventLoopDelay: 100, maxEventLoopUtilization: 0.9, maxHeapUsed: 1000, maxRss: 5000 };
  it.each([
    [{ eventLoopDelay: 100, eventLoopUtilization: 0.9, heapUsed: 1000, rss: 5000 }, []],
    [{ eventLoopDelay: 101, eventLoopUtilization: 0.9, heapUsed: 1000, rss: 5000 }, ['eventLoopDelay']],
    [{ eventLoopDelay: 0, eventLoopUtilization: 0.95, heapUsed: 1000, rss: 5000 }, ['eventLoopUtilization']],
    [{ eventLoopDelay: 0, eventLoopUtilization: 0, heapUsed: 1001, rss: 5001 }, ['heapUsed', 'rss']],
    [
      { eventLoopDelay: 500, eventLoopUtilization: 1, heapUsed: 2000, rss: 9000 },
      ['eventLoopDelay', 'eventLoopUtilization', 'heapUsed', 'rss'],
    ],
  ])('%j → %j', (sample, expected) => {
    expect(exceeded(sample, limits)).toEqual(expected);
  });

  it('ignores limits that are off', () => {
    const off = {
      maxEventLoopDelay: undefined,
      maxEventLoopUtilization: undefined,
      maxHeapUsed: undefined,
      maxRss: undefined,
    };
    expect(exceeded({ eventLoopDelay: 1e9, eventLoopUtilization: 1, heapUsed: 1e12, rss: 1e12 }, off)).toEqual([]);
  });
});

describe('underPressure over HTTP with a blocked event loop', () => {
  // One stall for both Express majors: blocking the loop is the slow part, so it is done once.
  it('sheds load with 503 problem+json and Retry-After on Express 4 and 5; probes stay reachable', async () => {
    // A 2 s sample interval: the stall is shed for one whole interval after the sample that saw it,
    // which leaves the requests below ample time on a loaded machine.
    const shed = create({ maxEventLoopDelay: '250ms', sampleInterval: '2s', retryAfter: '3s' });
    const probes = health({ started: true });
    const apps = expressMajors.map(({ express }) => {
      const app = express();
      app.use(shed); // mounted before the probes on purpose: the default exclude keeps them reachable
      app.use(probes);
      app.get('/work', (_req, res) => {
        res.send('done');
      });
      return app;
    });

    for (const app of apps) expect((await request(app).get('/work')).status).toBe(200);
    await blockEventLoop(shed, 600);
    expect(shed.exceeded).toEqual(['eventLoopDelay']);
    expect(shed.sample.eventLoopDelay).toBeGreaterThan(250);

    const responses = await Promise.all(apps.map((app) => request(app).get('/work')));
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      expect(response.headers['retry-after']).toBe('3');
      expect(response.body).toEqual({
        type: 'tag:expresskit.dev,2026:unavailable',
        title: 'Service under pressure',
        status: 503,
        detail: 'The server is overloaded; retry later.',
      });
    }
    for (const app of apps) {
      expect((await request(app).get('/health/ready?from=lb')).status).toBe(200);
      expect((await request(app).get('/health/live')).status).toBe(200);
    }

    await waitUntilRelieved(shed);
    expect(shed.exceeded).toEqual([]);
    for (const app of apps) expect((await request(app).get('/work')).status).toBe(200);
  });
});

describe.each(expressMajors)('underPressure on $name', ({ express }) => {
  it('sheds on heap and RSS limits, honours exclude and lets onError replace the answer', async () => {
    const shed = create({
      maxEventLoopDelay: false,
      maxRss: 1024,
      maxHeapUsed: 1024,
      sampleInterval: 20,
      exclude: (req) => req.path === '/admin',
      onError: (problem, _req, res) => {
        res
          .status(problem.status)
          .set(problem.headers as Record<string, string>)
          .json({ busy: true });
      },
    });
    const app = express();
    app.use(shed);
    app.get('/work', (_req, res) => {
      res.send('done');
    });
    app.get('/admin', (_req, res) => {
      res.send('admin');
    });
    const deadline = Date.now() + 5000;
    while (shed.exceeded.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shed.exceeded).toEqual(['heapUsed', 'rss']);
    const response = await request(app).get('/work');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('10');
    expect(response.body).toEqual({ busy: true });
    expect((await request(app).get('/admin')).text).toBe('admin');
  });
});

describe('underPressure', () => {
  it('sheds on event-loop utilization when a busy loop fills the sample interval', async () => {
    const shed = create({ maxEventLoopDelay: false, maxEventLoopUtilization: 0.3, sampleInterval: '1s' });
    await blockEventLoop(shed, 600);
    expect(shed.exceeded).toEqual(['eventLoopUtilization']);
    expect(shed.sample.eventLoopUtilization).toBeGreaterThan(0.3);
    expect(shed.sample.eventLoopUtilization).toBeLessThanOrEqual(1);
  });

  it('publishes pressure state changes and offers a readiness check', async () => {
    const seen: HealthEvent[] = [];
    const unsubscribe = subscribe(CHANNELS.health, (event) => seen.push(event));
    try {
      const shed = create({ maxEventLoopDelay: 250, sampleInterval: 1000 });
      const probes = health({ started: true, cacheTtl: 0, checks: { 'process:pressure': shed.check } });
      await blockEventLoop(shed, 600);
      expect((await probes.evaluate('ready')).status).toBe('fail');
      await waitUntilRelieved(shed);
      expect((await probes.evaluate('ready')).status).toBe('pass');
      const pressure = seen.filter((event) => event.type === 'state' && event.probe === 'pressure');
      expect(pressure).toEqual([
        { type: 'state', probe: 'pressure', status: 'fail', previous: 'pass' },
        { type: 'state', probe: 'pressure', status: 'pass', previous: 'fail' },
      ]);
    } finally {
      unsubscribe();
    }
  });

  it.each([
    [
      { maxEventLoopDelay: -1 },
      `underPressure: "maxEventLoopDelay" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got -1`,
    ],
    [{ maxRss: 0 }, 'underPressure: "maxRss" must be a positive number of bytes, got 0'],
    [{ maxEventLoopUtilization: 1.5 }, 'underPressure: "maxEventLoopUtilization" must be a number in (0, 1], got 1.5'],
    [{ sampleInterval: 5 }, 'underPressure: "sampleInterval" must be at least 10 ms, got 5'],
    [{ exclude: '/health' }, 'underPressure: "exclude" must be an array of paths or a function'],
    [{ onError: true }, 'underPressure: "onError" must be a function, got boolean'],
  ])('rejects %j', (options, message) => {
    expect(() => underPressure(options as never)).toThrow(new TypeError(message));
  });
});
