import { type CacheEvent, CHANNELS, subscribe } from '@expresskit/core';
import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Product } from '../catalog/types.js';
import { openCatalogDatabase } from '../db/catalog-db.js';
import type { Database } from '../db/sqlite.js';
import { type RunningApi, type StartOptions, startApi } from '../testing/harness.js';

/** Resolves with the first cache event that matches, published in this process. */
function nextCacheEvent(matches: (event: CacheEvent) => boolean): Promise<CacheEvent> {
  return new Promise((resolve) => {
    const unsubscribe = subscribe(CHANNELS.cache, (event) => {
      if (!matches(event)) return;
      unsubscribe();
      resolve(event);
    });
  });
}

describeRedis('two instances sharing a real Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  // One database for both instances, as a real deployment shares its database server.
  let db: Database;
  let instances: RunningApi[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    db = await openCatalogDatabase({ products: 400 });
  });
  afterAll(async () => {
    db?.close();
    await redis?.close();
  });
  beforeEach(async () => {
    // Fresh rate-limit counters and cache entries for every test.
    const admin = redis.client();
    await admin.flushall();
    admin.disconnect();
  });
  afterEach(async () => {
    for (const instance of instances) {
      expect(instance.logged).toEqual([]);
      await instance.close();
    }
    instances = [];
  });

  async function twoInstances(options: StartOptions = {}): Promise<[RunningApi, RunningApi]> {
    const start = () => {
      const client = redis.client();
      client.on('error', () => {}); // the outage test kills Redis on purpose; the app copes (asserted there)
      return startApi({ ...options, db, redis: client });
    };
    instances = [await start(), await start()];
    await Promise.all(instances.map((instance) => instance.api.cache.ready));
    return instances as [RunningApi, RunningApi];
  }

  it('a PATCH on A is what B serves next: B drops its cached copy and answers the new body and ETag', async () => {
    const [a, b] = await twoInstances();
    const original = await request(b.url).get('/products/12');
    expect((await request(b.url).get('/products/12')).headers['x-cache']).toBe('HIT');
    // B learns of A's invalidation over Redis pub/sub: wait for that one message, not for a guessed delay.
    const delivered = nextCacheEvent(
      (e) => e.type === 'invalidate' && e.remote && e.tags?.includes('product:12') === true,
    );
    const patched = await request(a.url)
      .patch('/products/12')
      .set('If-Match', String(original.headers.etag))
      .send({ stock: 4242 });
    expect(patched.status).toBe(200);
    await delivered;
    const fromB = await request(b.url).get('/products/12');
    expect(fromB.status).toBe(200);
    expect((fromB.body as Product).stock).toBe(4242);
    expect(fromB.headers.etag).toBe(patched.headers.etag);
    expect(fromB.headers.etag).not.toBe(original.headers.etag);
    // And the entry B stored is shared: A now reads it from Redis (L2) without running its handler.
    const fromA = await request(a.url).get('/products/12');
    expect(fromA.headers['x-cache']).toBe('HIT');
    expect(fromA.headers.etag).toBe(patched.headers.etag);
  });

  it('shares one list cache: a page B stored is a hit on A, and a POST on B invalidates it on A', async () => {
    const [a, b] = await twoInstances();
    expect((await request(b.url).get('/products?limit=2')).headers['x-cache']).toBe('MISS');
    expect((await request(a.url).get('/products?limit=2')).headers['x-cache']).toBe('HIT');
    const delivered = nextCacheEvent(
      (e) => e.type === 'invalidate' && e.remote && e.tags?.includes('products') === true,
    );
    const created = await request(b.url)
      .post('/products')
      .send({ name: 'Shared Lamp', category: 'lighting', price: 100 });
    expect(created.status).toBe(201);
    await delivered;
    const page = await request(a.url).get('/products?limit=2');
    expect(page.headers['x-cache']).toBe('MISS');
    expect((page.body as { data: Product[] }).data[0]?.name).toBe('Shared Lamp');
  });

  it('shares the rate limit exactly: RATE_LIMIT requests in total across both instances', async () => {
    // 3 per minute: GCRA gives one back every 20 s, far longer than these six requests take.
    const [a, b] = await twoInstances({ config: { rateLimit: 3 } });
    const statuses: number[] = [];
    for (const instance of [a, b, a, b, a, b]) {
      statuses.push((await request(instance.url).get('/categories')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('reports Redis in readiness; without Redis it still serves (warn, not fail) and recovers', async () => {
    const [a] = await twoInstances();
    const ready = await request(a.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'pass' });
    await redis.stop();
    try {
      const product = await request(a.url).get('/products/3');
      expect(product.status).toBe(200);
      const degraded = await readinessOnceNot(a, 'pass');
      expect(degraded.status).toBe(200);
      expect(JSON.parse(degraded.text)).toEqual({ status: 'warn' });
    } finally {
      await redis.start();
    }
    // ioredis reconnects on its own; readiness passes again without a restart.
    const recovered = await readinessOnceNot(a, 'warn');
    expect(JSON.parse(recovered.text)).toEqual({ status: 'pass' });
  });
});

/**
 * Polls `/health/ready` until its status is no longer `status` (check results are reused for 1 s
 * and ioredis reconnects with backoff, so the change is not instantaneous); bounded at 15 s.
 */
async function readinessOnceNot(instance: RunningApi, status: string): Promise<request.Response> {
  const deadline = Date.now() + 15_000;
  let res = await request(instance.url).get('/health/ready');
  while (JSON.parse(res.text).status === status && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    res = await request(instance.url).get('/health/ready');
  }
  return res;
}
