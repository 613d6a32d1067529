import { createHash } from 'node:crypto';
import { strongEtag } from '@expresskit/cache';
import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIELDS_MASK, PAYLOAD } from './payload.js';
import { SCENARIOS } from './scenarios.js';
import { SERVERS, type ServerName } from './servers/index.js';
import type { BenchServer } from './servers/types.js';

// Every scenario server, started once in this process with the factory the bench's child process
// uses, answers exactly what the scenario claims (status, key headers, body), so a benchmark
// never measures a broken or non-equivalent server. The load (autocannon) sends no
// Accept-Encoding, so neither do these requests. The bench measures Express 5 only (its own
// devDependency); the packages' suites cover Express 4.

const JSON_TYPE = 'application/json; charset=utf-8';
const body = JSON.stringify(PAYLOAD);
const masked = PAYLOAD.map(({ id, name, price, supplier }) => ({ id, name, price, supplier: { name: supplier.name } }));

const open: BenchServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

async function start(name: ServerName, redisUrl?: string): Promise<BenchServer> {
  const server = await SERVERS[name]({ redisUrl });
  open.push(server);
  return server;
}

const get = (server: BenchServer, path: string) => request(server.handler).get(path).set('Accept-Encoding', 'identity');

it('every scenario contender names a known server, and every scenario has its baseline and target contenders', () => {
  for (const scenario of SCENARIOS) {
    const ids = scenario.contenders.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(scenario.baseline);
    for (const target of scenario.targets)
      expect(ids).toEqual(expect.arrayContaining([target.subject, target.reference]));
    for (const contender of scenario.contenders) expect(Object.keys(SERVERS)).toContain(contender.server);
  }
  expect(SCENARIOS.map((s) => s.id)).toEqual([
    'ceiling',
    'rate-limit-memory',
    'rate-limit-redis',
    'cache-hit',
    'cache-vs-handler',
    'cache-304',
    'etag',
    'metrics',
    'fields',
    'pagination',
    'full-stack',
  ]);
});

describe('ceiling and baseline', () => {
  it.each(['node-http', 'express'] as const)('%s answers the 20 products', async (name) => {
    const response = await get(await start(name), '/products');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(JSON_TYPE);
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(response.text).toBe(body);
  });
});

describe('rate limiters (memory): same body, draft headers, never a rejection', () => {
  it('ours', async () => {
    const server = await start('rate-limit/ours-memory');
    for (let i = 0; i < 3; i++) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
      expect(response.headers['ratelimit-policy']).toBe('"bench";q=1000000000;w=3600');
      // GCRA: one unit comes back every 3.6 µs, so the quota is full again by the next request.
      expect(response.headers.ratelimit).toBe('"bench";r=999999999;t=1');
    }
  });

  it('express-rate-limit', async () => {
    const server = await start('rate-limit/erl-memory');
    for (const remaining of [999999999, 999999998]) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
      expect(response.headers['ratelimit-policy']).toMatch(/^"bench"; q=1000000000; w=3600; pk=:[A-Za-z0-9+/=]+:$/);
      expect(response.headers.ratelimit).toBe(`"bench"; r=${remaining}; t=3600`);
    }
  });

  it('rate-limiter-flexible', async () => {
    const server = await start('rate-limit/flexible-memory');
    for (const remaining of [999999999, 999999998]) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
      expect(response.headers['ratelimit-policy']).toBe('"bench";q=1000000000;w=3600');
      expect(response.headers.ratelimit).toBe(`"bench";r=${remaining};t=3600`);
    }
  });
});

describeRedis('rate limiters (one redis-server)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.close();
  });

  it.each([
    ['rate-limit/ours-redis', '"bench";q=1000000000;w=3600', ['"bench";r=999999999;t=1', '"bench";r=999999999;t=1']],
    [
      'rate-limit/flexible-redis',
      '"bench";q=1000000000;w=3600',
      ['"bench";r=999999999;t=3600', '"bench";r=999999998;t=3600'],
    ],
  ] as const)('%s', async (name, policy, remaining) => {
    const server = await start(name, redis.url);
    for (const expected of remaining) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
      expect(response.headers['ratelimit-policy']).toBe(policy);
      expect(response.headers.ratelimit).toBe(expected);
    }
  });

  it('rate-limit/erl-redis', async () => {
    const server = await start('rate-limit/erl-redis', redis.url);
    for (const remaining of [999999999, 999999998]) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
      expect(response.headers.ratelimit).toMatch(new RegExp(`^"bench"; r=${remaining}; t=36\\d\\d$`));
    }
  });
});

describe('caches: the second request is a HIT with the same body', () => {
  it.each(['cache/ours', 'cache/ours-slow'] as const)('%s', async (name) => {
    const server = await start(name);
    const miss = await get(server, '/products');
    expect(miss.status).toBe(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    const hit = await get(server, '/products');
    expect(hit.status).toBe(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-type']).toBe(JSON_TYPE);
    expect(hit.headers['content-encoding']).toBeUndefined();
    expect(hit.headers.etag).toBe(strongEtag(body));
    expect(hit.headers['cache-control']).toBe('public, max-age=0, s-maxage=300');
    expect(hit.text).toBe(body);
  });

  it('cache/ours answers If-None-Match with 304 and no body (the cache-304 contender)', async () => {
    const server = await start('cache/ours');
    const first = await get(server, '/products');
    const response = await get(server, '/products').set('If-None-Match', first.headers.etag ?? '');
    expect(response.status).toBe(304);
    expect(response.headers.etag).toBe(strongEtag(body));
    expect(response.text).toBe('');
  });

  it('cache/apicache', async () => {
    const server = await start('cache/apicache');
    const miss = await get(server, '/products');
    expect(miss.status).toBe(200);
    expect(miss.headers['apicache-store']).toBeUndefined();
    const hit = await get(server, '/products');
    expect(hit.status).toBe(200);
    expect(hit.headers['apicache-store']).toBe('memory');
    expect(hit.headers['cache-control']).toBe('max-age=300');
    expect(hit.text).toBe(body);
  });

  it('cache/uncached-slow runs the 2 ms handler every time', async () => {
    const server = await start('cache/uncached-slow');
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.headers['x-cache']).toBeUndefined();
      expect(response.text).toBe(body);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(6);
  });
});

describe('strong ETags', () => {
  it.each([
    ['etag/ours', strongEtag(body)],
    // Express's `etag` module: length in hex, then SHA-1 in base64 cut to 27 characters.
    ['etag/express-strong', `"1760-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`],
  ] as const)('%s sends a strong ETag and answers If-None-Match with 304', async (name, tag) => {
    const server = await start(name);
    const response = await get(server, '/products');
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe(tag);
    expect(response.text).toBe(body);
    const again = await get(server, '/products').set('If-None-Match', tag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('metrics: the request is counted under its route', () => {
  it.each([
    [
      'metrics/ours',
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/products",http_response_status_code="200"} 2',
    ],
    ['metrics/prom-bundle', 'http_request_duration_seconds_count{status_code="200",method="GET",path="/products"} 2'],
  ] as const)('%s', async (name, line) => {
    const server = await start(name);
    for (let i = 0; i < 2; i++) {
      const response = await get(server, '/products');
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
    }
    const scrape = await get(server, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.text.split('\n')).toContain(line);
  });
});

describe('fields: both contenders send the same selection', () => {
  it.each(['fields/ours', 'fields/partial-response'] as const)('%s', async (name) => {
    const server = await start(name);
    const response = await get(server, `/products?fields=${encodeURIComponent(FIELDS_MASK)}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(JSON_TYPE);
    expect(response.text).toBe(JSON.stringify(masked));
  });
});
