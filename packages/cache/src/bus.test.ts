import { type CacheEvent, CHANNELS, subscribe } from '@expresskit/core';
import {
  describeRedis,
  expressMajors,
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '@expresskit/testing';
import type { RedisOptions } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';
import { redisStore } from './stores/redis.js';

/** Polls `done` every 20 ms for up to 10 s (generous for a loaded machine); returns its last value. */
async function eventually(done: () => Promise<boolean> | boolean): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return done();
}

describeRedis('the invalidation bus whatever the client options (real redis-server)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.close();
  });

  describe.each(expressMajors)('$name', ({ express, major }) => {
    let caches: ResponseCache[] = [];
    const events: CacheEvent[] = [];
    let unsubscribe: (() => void) | undefined;
    afterEach(async () => {
      unsubscribe?.();
      unsubscribe = undefined;
      events.length = 0;
      for (const cache of caches) await cache.close();
      caches = [];
    });

    const instance = (options: RedisOptions, prefix: string, extra: { readyTimeout?: number } = {}) => {
      const client = redis.client(options);
      client.on('error', () => {});
      const cache = responseCache({
        store: redisStore({ client, prefix }),
        compress: false,
        tags: ['items'],
        ...extra,
      });
      caches.push(cache);
      let version = 0;
      const app = express();
      app.get('/items/:id', cache, (req, res) => {
        res.json({ id: req.params.id, version });
      });
      return { client, cache, app, bump: () => version++ };
    };

    it.each([
      ['enableOfflineQueue: false', { enableOfflineQueue: false }],
      ['enableOfflineQueue: false + lazyConnect', { enableOfflineQueue: false, lazyConnect: true }],
      ['lazyConnect', { lazyConnect: true }],
    ] as const)('%s: ready waits for the subscription, and an invalidation on A reaches B', async (label, options) => {
      unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
      const prefix = `bus${major}${label.replace(/\W+/g, '')}:`;
      const a = instance(options, prefix);
      const b = instance(options, prefix);
      await Promise.all([a.cache.ready, b.cache.ready]);
      expect(events.filter((event) => event.type === 'error' && event.operation === 'bus')).toEqual([]);
      // A lazy client connects on the cache's first use of it.
      expect(
        await eventually(
          async () => (await request(a.app).get('/items/1')).status === 200 && a.client.status === 'ready',
        ),
      ).toBe(true);
      expect(
        await eventually(
          async () => (await request(b.app).get('/items/1')).status === 200 && b.client.status === 'ready',
        ),
      ).toBe(true);
      expect((await request(b.app).get('/items/1')).headers['x-cache']).toBe('HIT');
      a.bump();
      b.bump();
      await a.cache.invalidate({ tags: ['items'] });
      expect(
        await eventually(() =>
          events.some((event) => event.type === 'invalidate' && event.remote && event.tags?.[0] === 'items'),
        ),
      ).toBe(true);
      const after = await request(b.app).get('/items/1');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.body).toEqual({ id: '1', version: 1 });
    });

    it('Redis down at start: ready resolves after readyTimeout with an error event; the bus subscribes once Redis is up', async () => {
      unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
      await redis.stop();
      try {
        instance({ enableOfflineQueue: false }, `down${major}:`);
        const b = instance({ enableOfflineQueue: false }, `down${major}:`, { readyTimeout: 200 });
        await b.cache.ready;
        const busErrors = events.filter((event) => event.type === 'error' && event.operation === 'bus');
        expect(busErrors.map((event) => (event.type === 'error' ? event.error.message : ''))).toContain(
          'cache: the invalidation bus is not subscribed after 200 ms (is Redis reachable?); it keeps trying and flushes L1 once subscribed',
        );
      } finally {
        await redis.start();
      }
      const [a, b] = caches as [ResponseCache, ResponseCache];
      await Promise.all([a.ready, b.ready]);
      const flushes = () => events.filter((event) => event.type === 'invalidate' && event.remote && event.all).length;
      expect(await eventually(() => flushes() >= 2)).toBe(true);
      const remoteTags = () =>
        events.filter((event) => event.type === 'invalidate' && event.remote && event.tags?.[0] === 'x').length;
      expect(
        await eventually(async () => {
          await a.invalidate({ tags: ['x'] });
          return remoteTags() > 0;
        }),
      ).toBe(true);
    });
  });
});

describeRedis('the invalidation bus on a real Redis Cluster with enableOfflineQueue: false', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster.close();
  });

  describe.each(expressMajors)('$name', ({ express, major }) => {
    let caches: ResponseCache[] = [];
    const events: CacheEvent[] = [];
    let unsubscribe: (() => void) | undefined;
    afterEach(async () => {
      unsubscribe?.();
      unsubscribe = undefined;
      events.length = 0;
      for (const cache of caches) await cache.close();
      caches = [];
    });

    it('ready waits for the subscription, and an invalidation on A reaches B', async () => {
      unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
      const make = () => {
        const client = cluster.client({ enableOfflineQueue: false });
        client.on('error', () => {});
        const cache = responseCache({ store: redisStore({ client, prefix: `cbus${major}:` }), compress: false });
        caches.push(cache);
        let version = 0;
        const app = express();
        app.get('/items/:id', cache, (req, res) => {
          res.json({ id: req.params.id, version });
        });
        return { client, cache, app, bump: () => version++ };
      };
      const a = make();
      const b = make();
      await Promise.all([a.cache.ready, b.cache.ready]);
      expect(events.filter((event) => event.type === 'error' && event.operation === 'bus')).toEqual([]);
      expect(await eventually(() => a.client.status === 'ready' && b.client.status === 'ready')).toBe(true);
      await request(a.app).get('/items/1');
      expect((await request(b.app).get('/items/1')).headers['x-cache']).toBe('HIT');
      a.bump();
      b.bump();
      await a.cache.invalidate({ keys: ['GET /items/1'] });
      expect(
        await eventually(() =>
          events.some((event) => event.type === 'invalidate' && event.remote && event.tags?.[0] === 'key:GET /items/1'),
        ),
      ).toBe(true);
      const after = await request(b.app).get('/items/1');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.body).toEqual({ id: '1', version: 1 });
    });
  });
});
