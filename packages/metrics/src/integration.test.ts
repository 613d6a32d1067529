import { responseCache } from '@expresskit/cache';
import { health } from '@expresskit/health';
import { rateLimit } from '@expresskit/rate-limit';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { countsBy, samples } from './testing/read.js';

// The real packages, publishing on their diagnostics channels; this package imports none of them
// outside this test.
describe.each(expressMajors)('series from the real cache, rate-limit and health packages on $name', ({ express }) => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts cache results, rate-limit decisions and health checks next to the request series', async () => {
    const m: Metrics = metrics({ defaultMetrics: false });
    cleanups.push(() => m.close());
    const probes = health({ checks: { 'db:ping': () => {} }, started: true });
    cleanups.push(() => probes.close());
    const cache = responseCache({ ttl: '1m' });
    cleanups.push(() => cache.close());

    const app = express();
    app.use(m.middleware);
    app.use(probes);
    app.use(rateLimit({ policies: [{ name: 'burst', limit: 2, window: '1m' }] }));
    app.get('/products/:id', cache, (req, res) => {
      res.json({ id: req.params.id });
    });

    await request(app).get('/products/1').expect(200, { id: '1' });
    await request(app).get('/products/1').expect(200, { id: '1' });
    await request(app).get('/products/1').expect(429);
    await request(app).get('/health/ready').expect(200);

    expect(await samples(m.registry, 'expresskit_rate_limit_decisions_total')).toEqual([
      { labels: { policy: 'burst', outcome: 'allowed' }, value: 2 },
      { labels: { policy: 'burst', outcome: 'limited' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_cache_requests_total')).toEqual([
      { labels: { http_route: '/products/:id', result: 'miss' }, value: 1 },
      { labels: { http_route: '/products/:id', result: 'hit' }, value: 1 },
    ]);
    expect(await samples(m.registry, 'expresskit_cache_stores_total')).toEqual([
      { labels: { http_route: '/products/:id' }, value: 1 },
    ]);
    const checks = await samples(m.registry, 'expresskit_health_check_status');
    expect(checks.filter((sample) => sample.value === 1)).toEqual([
      { labels: { check: 'db:ping', status: 'pass' }, value: 1 },
    ]);
    expect(await countsBy(m.registry, 'http_route')).toEqual({
      '/products/:id': 2,
      '(unmatched)': 1,
      '/health/ready': 1,
    });
    expect(await countsBy(m.registry, 'http_response_status_code')).toEqual({ '200': 3, '429': 1 });
  });
});
