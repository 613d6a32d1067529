import { channel } from '@expresskit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { samples } from './testing/read.js';

// Recorded events, published the way the cache, rate-limit and health packages publish them.
describe('series from the expresskit diagnostics channels', () => {
  const open: Metrics[] = [];
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });
  function create(options: Parameters<typeof metrics>[0] = {}): Metrics {
    const m = metrics({ defaultMetrics: false, ...options });
    open.push(m);
    return m;
  }

  it('counts cache results by route, stores, invalidations and errors', async () => {
    const m = create();
    const cache = channel('expresskit:cache');
    cache.publish({ type: 'hit', route: '/products/:id' });
    cache.publish({ type: 'hit', route: '/products/:id' });
    cache.publish({ type: 'miss', route: '/products/:id' });
    cache.publish({ type: 'stale', route: '/products/:id' });
    cache.publish({ type: 'bypass', route: undefined, reason: 'authorization' });
    cache.publish({ type: 'store', route: '/products/:id' });
    cache.publish({ type: 'invalidate', tags: ['product:1'], remote: false });
    cache.publish({ type: 'invalidate', keys: ['k'], remote: true });
    cache.publish({ type: 'error', route: '/products/:id', operation: 'l2-get', error: new Error('down') });

    expect(await samples(m.registry, 'expresskit_cache_requests_total')).toEqual([
      { labels: { http_route: '/products/:id', result: 'hit' }, value: 2 },
      { labels: { http_route: '/products/:id', result: 'miss' }, value: 1 },
      { labels: { http_route: '/products/:id', result: 'stale' }, value: 1 },
      { labels: { http_route: '(unmatched)', result: 'bypass' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_cache_stores_total')).toEqual([
      { labels: { http_route: '/products/:id' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_cache_invalidations_total')).toEqual([
      { labels: { source: 'local' }, value: 1 },
      { labels: { source: 'remote' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_cache_errors_total')).toEqual([
      { labels: { operation: 'l2-get' }, value: 1 },
    ]);
  });

  it('counts rate-limit decisions by policy and outcome, store errors and the degraded state', async () => {
    const m = create();
    const rateLimit = channel('expresskit:rate-limit');
    const decision = { violated: [], keyHash: 'ab12', remaining: 3, shadow: false } as const;
    rateLimit.publish({ type: 'allowed', policy: 'per-second', ...decision });
    rateLimit.publish({ type: 'allowed', policy: 'per-second', ...decision });
    rateLimit.publish({ type: 'limited', policy: 'per-second', ...decision, violated: ['per-second'], remaining: 0 });
    rateLimit.publish({ type: 'limited', policy: 'per-day', ...decision, violated: ['per-day'], shadow: true });
    rateLimit.publish({ type: 'store-error', store: 'redis', policy: 'fail-open', error: new Error('timeout') });
    rateLimit.publish({ type: 'degraded', store: 'redis', policy: 'fail-open' });

    expect(await samples(m.registry, 'expresskit_rate_limit_decisions_total')).toEqual([
      { labels: { policy: 'per-second', outcome: 'allowed' }, value: 2 },
      { labels: { policy: 'per-second', outcome: 'limited' }, value: 1 },
      { labels: { policy: 'per-day', outcome: 'shadow_limited' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_rate_limit_store_errors_total')).toEqual([
      { labels: { store: 'redis' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_rate_limit_store_degraded')).toEqual([
      { labels: { store: 'redis', policy: 'fail-open' }, value: 1 },
    ]);
    rateLimit.publish({ type: 'recovered', store: 'redis', policy: 'fail-open' });
    expect(await samples(m.registry, 'expresskit_rate_limit_store_degraded')).toEqual([
      { labels: { store: 'redis', policy: 'fail-open' }, value: 0 },
    ]);
  });

  it('keeps the latest status per health check and per probe, and check durations', async () => {
    const m = create();
    const health = channel('expresskit:health');
    health.publish({ type: 'check', check: 'redis:ping', status: 'pass', critical: true, durationMs: 4 });
    health.publish({ type: 'check', check: 'redis:ping', status: 'fail', critical: true, durationMs: 2000 });
    health.publish({ type: 'state', probe: 'ready', status: 'fail', previous: 'pass' });

    expect(await samples(m.registry, 'expresskit_health_check_status')).toEqual([
      { labels: { check: 'redis:ping', status: 'pass' }, value: 0 },
      { labels: { check: 'redis:ping', status: 'warn' }, value: 0 },
      { labels: { check: 'redis:ping', status: 'fail' }, value: 1 },
    ]);
    expect(
      await samples(
        m.registry,
        'expresskit_health_check_duration_seconds',
        'expresskit_health_check_duration_seconds_sum',
      ),
    ).toEqual([{ labels: { check: 'redis:ping' }, value: 2.004 }]);
    expect(await samples(m.registry, 'expresskit_health_probe_status')).toEqual([
      { labels: { probe: 'ready', status: 'pass' }, value: 0 },
      { labels: { probe: 'ready', status: 'warn' }, value: 0 },
      { labels: { probe: 'ready', status: 'fail' }, value: 1 },
    ]);
  });

  it('caps the label sets a publisher can create', async () => {
    const m = create({ maxLabelSets: 2 });
    const cache = channel('expresskit:cache');
    for (const route of ['/a', '/b', '/c', '/d']) cache.publish({ type: 'hit', route });
    expect(await samples(m.registry, 'expresskit_cache_requests_total')).toEqual([
      { labels: { http_route: '/a', result: 'hit' }, value: 1 },
      { labels: { http_route: '/b', result: 'hit' }, value: 1 },
      { labels: { http_route: '(overflow)', result: 'hit' }, value: 2 },
    ]);
    expect(await samples(m.registry, 'expresskit_metrics_label_overflow_total')).toEqual([
      { labels: { metric: 'expresskit_cache_requests_total' }, value: 2 },
    ]);
  });

  it('lets two instances count independently and stops counting after close()', async () => {
    const first = create();
    const second = create();
    const cache = channel('expresskit:cache');
    cache.publish({ type: 'hit', route: '/x' });
    first.close();
    expect(cache.hasSubscribers).toBe(true);
    cache.publish({ type: 'hit', route: '/x' });
    expect(first.registry.getSingleMetric('expresskit_cache_requests_total')).toBeUndefined();
    expect(await samples(second.registry, 'expresskit_cache_requests_total')).toEqual([
      { labels: { http_route: '/x', result: 'hit' }, value: 2 },
    ]);
    second.close();
    expect(cache.hasSubscribers).toBe(false);
  });

  it('subscribes to nothing with channels: false, and survives malformed events', async () => {
    const off = create({ channels: false });
    expect(off.registry.getSingleMetric('expresskit_cache_requests_total')).toBeUndefined();
    expect(channel('expresskit:health').hasSubscribers).toBe(false);
    const on = create();
    const health = channel('expresskit:health') as unknown as { publish(message: unknown): void };
    expect(() => health.publish({ type: 'check', check: 'x', status: 'pass', durationMs: 'slow' })).not.toThrow();
    expect(await samples(on.registry, 'expresskit_health_check_status')).toHaveLength(3);
  });
});
