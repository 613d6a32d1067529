import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApi, startApi, testClock } from '../testing/harness.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('probes, metrics, rate limiting and errors (memory defaults)', () => {
  let running: RunningApi | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('answers unknown routes and methods with 404 problem details, never HTML', async () => {
    running = await startApi();
    for (const [method, path] of [
      ['get', '/nope'],
      ['put', '/products/1'],
      ['post', '/categories'],
    ] as const) {
      const res = await request(running.url)[method](path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `No route for ${method.toUpperCase()} ${path}`,
      });
    }
  });

  it('answers the three probes with application/health+json', async () => {
    running = await startApi();
    for (const probe of ['live', 'ready', 'startup']) {
      const res = await request(running.url).get(`/health/${probe}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/health+json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(res.text)).toEqual({ status: 'pass' });
    }
  });

  it('serves Prometheus metrics with route templates and the cache series', async () => {
    running = await startApi();
    await request(running.url).get('/products/3');
    await request(running.url).get('/products/3');
    const res = await request(running.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/products\/:id",http_response_status_code="200"\} 2/,
    );
    expect(res.text).toMatch(/expresskit_cache_requests_total\{http_route="\/products\/:id",result="hit"\} [1-9]/);
  });

  it('protects /metrics with METRICS_TOKEN', async () => {
    running = await startApi({ config: { metricsToken: 'scrape-token' } });
    const anonymous = await request(running.url).get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(anonymous.headers['content-type']).toBe(PROBLEM);
    expect((await request(running.url).get('/metrics').set('Authorization', 'Bearer scrape-token')).status).toBe(200);
  });

  it('limits API requests per client to RATE_LIMIT per minute (429 problem), never probes or /metrics', async () => {
    const clock = testClock();
    running = await startApi({ config: { rateLimit: 3 }, now: clock });
    for (const remaining of [2, 1, 0]) {
      const res = await request(running.url).get('/categories');
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe('"per-minute";q=3;w=60');
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"per-minute";r=${remaining};t=\\d+$`));
    }
    const limited = await request(running.url).get('/products/1');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toBe(PROBLEM);
    expect(limited.headers['retry-after']).toBe('20');
    expect(limited.body).toMatchObject({
      type: 'tag:expresskit.dev,2026:quota-exceeded',
      status: 429,
      'violated-policies': ['per-minute'],
    });
    expect((await request(running.url).get('/health/ready')).status).toBe(200);
    expect((await request(running.url).get('/metrics')).status).toBe(200);
    // GCRA gives one request back every 60 s / 3 = 20 s.
    clock.advance(20_000);
    expect((await request(running.url).get('/categories')).status).toBe(200);
    expect((await request(running.url).get('/categories')).status).toBe(429);
  });

  it('turns an unexpected failure into a bare 500 problem (no stack trace) and logs it', async () => {
    running = await startApi();
    running.api.catalog.getProduct = () => {
      throw new Error('disk on fire');
    };
    const res = await request(running.url).get('/products/1');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'The server could not complete the request',
    });
    expect(res.text).not.toContain('disk on fire');
    expect(running.logged).toEqual([new Error('disk on fire')]);
  });

  it('fails startup and readiness (503) until the server marks itself started; liveness passes', async () => {
    running = await startApi({ started: false });
    expect((await request(running.url).get('/health/startup')).status).toBe(503);
    expect((await request(running.url).get('/health/ready')).status).toBe(503);
    expect((await request(running.url).get('/health/live')).status).toBe(200);
    running.api.health.markStarted();
    expect((await request(running.url).get('/health/startup')).status).toBe(200);
    expect((await request(running.url).get('/health/ready')).status).toBe(200);
  });

  it('fails readiness (503) once shutdown has begun, while liveness still passes', async () => {
    running = await startApi();
    running.api.health.markShuttingDown();
    expect((await request(running.url).get('/health/ready')).status).toBe(503);
    expect((await request(running.url).get('/health/live')).status).toBe(200);
  });
});
