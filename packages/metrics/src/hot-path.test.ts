import { channel } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { samples } from './testing/read.js';

/**
 * The request path keeps one label object per admitted (route, status, method), counts requests in
 * flight in plain counters copied to the gauge when it is read, and records on the response's
 * one 'close' event: the series must come out exactly as if built per request.
 */
describe.each(expressMajors)('request metrics hot path on $name', ({ express }) => {
  const open: Metrics[] = [];
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });

  it('keeps (route, status, method) label sets apart when they share parts', async () => {
    const m = metrics({ defaultMetrics: false });
    open.push(m);
    const app = express();
    app.use(m.middleware);
    app.all('/items/:id', (req, res) => {
      res.status(req.params.id === 'missing' ? 404 : req.method === 'POST' ? 201 : 200).send('x');
    });
    app.get('/other', (_req, res) => {
      res.send('y');
    });
    await request(app).get('/items/1').expect(200);
    await request(app).post('/items/1').expect(201);
    await request(app).get('/items/missing').expect(404);
    await request(app).get('/items/2').expect(200);
    await request(app).delete('/items/3').expect(200);
    await request(app).get('/other').expect(200);
    await request(app).get('/nowhere').expect(404);
    const counts = await samples(
      m.registry,
      'http_server_request_duration_seconds',
      'http_server_request_duration_seconds_count',
    );
    const row = (method: string, route: string, status: string, value: number) => ({
      labels: { http_request_method: method, http_route: route, http_response_status_code: status },
      value,
    });
    expect(counts).toEqual([
      row('GET', '/items/:id', '200', 2),
      row('POST', '/items/:id', '201', 1),
      row('GET', '/items/:id', '404', 1),
      row('DELETE', '/items/:id', '200', 1),
      row('GET', '/other', '200', 1),
      row('GET', '(unmatched)', '404', 1),
    ]);
  });

  it('reports requests in flight per method while they run, and 0 after; a reset registry reads them again', async () => {
    const m = metrics({ defaultMetrics: false });
    open.push(m);
    const app = express();
    app.use(m.middleware);
    const release: Array<() => void> = [];
    let arrived: () => void = () => {};
    let waiting = 0;
    app.all('/hold', (_req, res) => {
      release.push(() => res.send('done'));
      if (++waiting === 3) arrived();
    });
    const all = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const pending = [request(app).get('/hold'), request(app).get('/hold'), request(app).post('/hold')].map((r) =>
      r.then((response) => response.status),
    );
    await all;
    expect(await samples(m.registry, 'http_server_active_requests')).toEqual([
      { labels: { http_request_method: 'GET' }, value: 2 },
      { labels: { http_request_method: 'POST' }, value: 1 },
    ]);
    m.registry.resetMetrics();
    expect(await samples(m.registry, 'http_server_active_requests')).toEqual([
      { labels: { http_request_method: 'GET' }, value: 2 },
      { labels: { http_request_method: 'POST' }, value: 1 },
    ]);
    for (const answer of release) answer();
    expect(await Promise.all(pending)).toEqual([200, 200, 200]);
    // the server records on 'close', one tick after the response went out: wait for it
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await samples(m.registry, 'http_server_active_requests'))[0]?.value !== 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await samples(m.registry, 'http_server_active_requests')).toEqual([
      { labels: { http_request_method: 'GET' }, value: 0 },
      { labels: { http_request_method: 'POST' }, value: 0 },
    ]);
  });
});

describe('channel events on the request path', () => {
  it('counts repeated cache lookups and rate-limit decisions per pair, folding refused pairs on every event', async () => {
    const m = metrics({ defaultMetrics: false, maxLabelSets: 2 });
    try {
      const cache = channel('expresskit:cache');
      const rateLimit = channel('expresskit:rate-limit');
      const decision = { violated: [], keyHash: 'k', remaining: 1, shadow: false };
      for (const [type, route] of [
        ['hit', '/a'],
        ['hit', '/a'],
        ['miss', '/a'],
        ['hit', '/b'],
        ['hit', '/a'],
        ['hit', '/b'],
      ] as const) {
        cache.publish({ type, route });
      }
      for (const [type, policy] of [
        ['allowed', 'p1'],
        ['allowed', 'p1'],
        ['limited', 'p1'],
        ['allowed', 'p2'],
        ['allowed', 'p1'],
      ] as const) {
        rateLimit.publish({ type, policy, ...decision, violated: type === 'limited' ? [policy] : [] });
      }
      expect(await samples(m.registry, 'expresskit_cache_requests_total')).toEqual([
        { labels: { http_route: '/a', result: 'hit' }, value: 3 },
        { labels: { http_route: '/a', result: 'miss' }, value: 1 },
        { labels: { http_route: '(overflow)', result: 'hit' }, value: 2 },
      ]);
      expect(await samples(m.registry, 'expresskit_rate_limit_decisions_total')).toEqual([
        { labels: { policy: 'p1', outcome: 'allowed' }, value: 3 },
        { labels: { policy: 'p1', outcome: 'limited' }, value: 1 },
        { labels: { policy: '(overflow)', outcome: 'allowed' }, value: 1 },
      ]);
      expect(await samples(m.registry, 'expresskit_metrics_label_overflow_total')).toEqual([
        { labels: { metric: 'expresskit_cache_requests_total' }, value: 2 },
        { labels: { metric: 'expresskit_rate_limit_decisions_total' }, value: 1 },
      ]);
    } finally {
      m.close();
    }
  });
});
