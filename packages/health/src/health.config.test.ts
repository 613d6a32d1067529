import { CHANNELS, type HealthEvent, subscribe } from '@expresskit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthOptions, type HealthRouter, health } from './health.js';

// health() without HTTP: events, defaults and configuration errors (the HTTP behaviour is in
// health.test.ts).

const routers: HealthRouter[] = [];
afterEach(() => {
  for (const router of routers.splice(0)) router.close();
});

describe('health() events', () => {
  it('publishes check results and state changes on expresskit:health', async () => {
    const seen: HealthEvent[] = [];
    const unsubscribe = subscribe(CHANNELS.health, (event) => seen.push(event));
    try {
      let up = false;
      const probes = health({
        cacheTtl: 0,
        checks: { 'db:ping': () => (up ? undefined : Promise.reject(new Error('down'))) },
      });
      routers.push(probes);
      await probes.evaluate('ready');
      probes.markStarted();
      await probes.evaluate('ready');
      await probes.evaluate('ready');
      up = true;
      await probes.evaluate('ready');
      probes.markShuttingDown();
      await probes.evaluate('ready');
      const shapes = seen.map((event) =>
        event.type === 'check'
          ? [event.type, event.check, event.status, event.critical, event.error?.message]
          : [event.type, event.probe, event.status, event.previous],
      );
      expect(shapes).toEqual([
        ['state', 'ready', 'fail', undefined],
        ['state', 'startup', 'pass', undefined],
        ['check', 'db:ping', 'fail', true, 'down'],
        ['check', 'db:ping', 'fail', true, 'down'],
        ['check', 'db:ping', 'pass', true, undefined],
        ['state', 'ready', 'pass', 'fail'],
        ['state', 'ready', 'fail', 'pass'],
      ]);
    } finally {
      unsubscribe();
    }
  });
});

describe('health() defaults', () => {
  it('times a check out after 500 ms (below the kubelet 1 s) and reuses its result (cacheTtl 1 s)', async () => {
    let runs = 0;
    const probes = health({
      started: true,
      checks: {
        'db:ping': () => {
          runs++;
          return new Promise(() => {});
        },
      },
    });
    routers.push(probes);
    const first = await probes.evaluate('ready');
    expect([first.status, first.results[0]?.output]).toEqual(['fail', 'check "db:ping" timed out after 500 ms']);
    const second = await probes.evaluate('ready');
    expect(second.results[0]).toBe(first.results[0]);
    expect(runs).toBe(1);
  });
});

describe('health() configuration', () => {
  it.each([
    [
      { timeout: -1 },
      `health: "timeout" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got -1`,
    ],
    [{ timeout: 0 }, 'health: "timeout" must be positive, got 0'],
    [
      { cacheTtl: 'often' },
      `health: "cacheTtl" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got "often"`,
    ],
    [{ paths: { live: 'live' } }, 'health: "paths.live" must be a path starting with "/", got "live"'],
    [{ details: 'yes' }, 'health: "details" must be a boolean or a function, got string'],
    [{ started: 1 }, 'health: "started" must be a boolean, got number'],
    [
      { checks: { 'db ping': () => undefined } },
      'health: "checks": check name "db ping" must look like "<component>:<measurement>" (no spaces, at most one colon)',
    ],
    [
      { paths: { live: '/health', ready: '/health' } },
      'health: "paths" must be three different paths, got {"live":"/health","ready":"/health","startup":"/health/startup"}',
    ],
    [
      { checks: { 'db:ping': 'select 1' } },
      'health: "checks": check "db:ping" must be a function or an object with a "check" function',
    ],
  ])('rejects %j', (options, message) => {
    expect(() => health(options as HealthOptions)).toThrow(new TypeError(message));
  });
});
