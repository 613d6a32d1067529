import { type CacheEvent, CHANNELS, subscribe } from '@expresskit/core';
import {
  describeRedis,
  type ExpressFactory,
  expressMajors,
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '@expresskit/testing';
import type { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';
import { redisStore } from './stores/redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two instances (own clients, own L1) sharing one Redis, like two processes behind a balancer. */
function twoInstances(express: ExpressFactory, clients: [Redis | Cluster, Redis | Cluster], prefix: string) {
  let version = 0;
  const make = (client: Redis | Cluster) => {
    const cache = responseCache({ store: redisStore({ client, prefix }), compress: false, tags: ['products'] });
    const app = express();
    app.get('/products/:id', cache, (req, res) => {
      res.json({ id: req.params.id, version });
    });
    return { cache, app };
  };
  return { a: make(clients[0]), b: make(clients[1]), bump: () => version++ };
}

function sharedSuite(name: string, connect: () => Promise<[Redis | Cluster, Redis | Cluster]>) {
  describe.each(expressMajors)(`two instances on ${name}, $name`, ({ express, major }) => {
    let clients: [Redis | Cluster, Redis | Cluster];
    let caches: ResponseCache[] = [];
    beforeAll(async () => {
      clients = await connect();
      for (const client of clients) client.on('error', () => {});
    });
    afterAll(() => {
      for (const client of clients) client.disconnect();
    });
    afterEach(async () => {
      for (const cache of caches) await cache.close();
      caches = [];
    });

    it('B reads what A stored from L2, then from its own L1; A invalidation reaches B within 100 ms', async () => {
      const { a, b, bump } = twoInstances(express, clients, `two${major}${name}:`);
      caches = [a.cache, b.cache];
      await Promise.all([a.cache.ready, b.cache.ready]);
      expect((await request(a.app).get('/products/1')).headers['x-cache']).toBe('MISS');
      const fromL2 = await request(b.app).get('/products/1');
      expect(fromL2.headers['x-cache']).toBe('HIT');
      expect(fromL2.body).toEqual({ id: '1', version: 0 });
      expect((await request(b.app).get('/products/1')).headers['x-cache']).toBe('HIT');
      bump();
      await a.cache.invalidate({ tags: ['products'] });
      await sleep(100);
      const after = await request(b.app).get('/products/1');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.body).toEqual({ id: '1', version: 1 });
    });

    it('shares binary bodies byte for byte through L2 (no L1 on either side)', async () => {
      const png = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
      const make = (client: Redis | Cluster) => {
        const cache = responseCache({ store: redisStore({ client, prefix: `bin${major}${name}:` }), memory: false });
        const app = express();
        app.get('/logo.png', cache, (_req, res) => {
          res.type('image/png').send(png);
        });
        return { cache, app };
      };
      const a = make(clients[0]);
      const b = make(clients[1]);
      caches = [a.cache, b.cache];
      await Promise.all([a.cache.ready, b.cache.ready]);
      const binary = (r: request.Test) =>
        r.buffer(true).parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        });
      expect((await binary(request(a.app).get('/logo.png'))).headers['x-cache']).toBe('MISS');
      const fromB = await binary(request(b.app).get('/logo.png'));
      expect(fromB.headers['x-cache']).toBe('HIT');
      expect(fromB.headers['content-type']).toBe('image/png');
      expect(fromB.headers['content-length']).toBe('4096');
      expect(Buffer.compare(fromB.body as Buffer, png)).toBe(0);
    });

    it('a successful PUT on A invalidates the path in B’s L1 through the bus', async () => {
      const { a, b, bump } = twoInstances(express, clients, `put${major}${name}:`);
      caches = [a.cache, b.cache];
      a.app.put('/products/:id', a.cache, (_req, res) => {
        bump();
        res.status(204).end();
      });
      await Promise.all([a.cache.ready, b.cache.ready]);
      await request(b.app).get('/products/2');
      expect((await request(b.app).get('/products/2')).headers['x-cache']).toBe('HIT');
      await request(a.app).put('/products/2').expect(204);
      await sleep(150);
      const after = await request(b.app).get('/products/2');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.body).toEqual({ id: '2', version: 1 });
    });
  });
}

describeRedis('distributed cache on a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.close();
  });

  sharedSuite('redis', async () => [server.client(), server.client()]);

  describe.each(expressMajors)('Redis outage, $name', ({ express }) => {
    let cache: ResponseCache | undefined;
    let unsubscribe: (() => void) | undefined;
    afterEach(async () => {
      unsubscribe?.();
      await cache?.close();
      if (!server.running) await server.start();
    });

    it('degrades to L1 without 5xx or hang, publishes error events, and recovers without restart', async () => {
      const events: CacheEvent[] = [];
      unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
      const client = server.client({ maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      client.on('error', () => {});
      cache = responseCache({ store: redisStore({ client, prefix: 'outage:' }), compress: false });
      const app = express();
      let calls = 0;
      app.get('/o/:id', cache, (req, res) => {
        calls++;
        res.send(`o${req.params.id}`);
      });
      await cache.ready;
      await request(app).get('/o/1').expect(200);
      await server.stop();
      const started = Date.now();
      const during = await Promise.all([request(app).get('/o/1'), request(app).get('/o/2'), request(app).get('/o/2')]);
      expect(during.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(during.map((r) => r.text)).toEqual(['o1', 'o2', 'o2']);
      expect(during[0]?.headers['x-cache']).toBe('HIT');
      expect(Date.now() - started).toBeLessThan(5_000);
      const errors = events.filter((event) => event.type === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((event) => event.type === 'error' && /^(l2-|bus)/.test(event.operation))).toBe(true);
      expect(errors.some((event) => event.type === 'error' && event.route === '/o/:id')).toBe(true);
      await server.start();
      for (let i = 0; i < 250 && client.status !== 'ready'; i++) await sleep(20);
      expect(client.status).toBe('ready');
      await request(app).get('/o/3').expect(200);
      expect(await client.exists('outage:e:GET /o/3 http://127.0.0.1')).toBe(1);
      expect(calls).toBeGreaterThanOrEqual(3);
      client.disconnect();
    });

    it('bounds every L2 command by the timeout while Redis hangs (CLIENT PAUSE), then uses it again', async () => {
      const events: CacheEvent[] = [];
      unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
      const client = server.client();
      const admin = server.client();
      cache = responseCache({ store: redisStore({ client, prefix: 'hang:' }), compress: false, timeout: '250ms' });
      const app = express();
      for (const path of ['/h', '/h2']) {
        app.get(path, cache, (_req, res) => {
          res.send('h');
        });
      }
      await cache.ready;
      // Every command of every client (this admin's included) waits until the pause ends.
      await admin.client('PAUSE', 1_500, 'ALL');
      const response = await request(app).get('/h');
      expect(response.status).toBe(200);
      expect(response.text).toBe('h');
      const messages = events.flatMap((event) =>
        event.type === 'error' ? [`${event.operation}: ${event.error.message}`] : [],
      );
      expect(messages).toContain('l2-get: cache: l2-get timed out after 250 ms');
      expect(messages).toContain('l2-set: cache: l2-set timed out after 250 ms');
      expect(await admin.ping()).toBe('PONG');
      await request(app).get('/h2');
      expect(await client.exists('hang:e:GET /h2 http://127.0.0.1')).toBe(1);
      expect((await request(app).get('/h2')).headers['x-cache']).toBe('HIT');
      client.disconnect();
      admin.disconnect();
    });

    it('answers the handler’s 200 when Redis stops while the handler runs (default client options)', async () => {
      const events: CacheEvent[] = [];
      unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
      const client = server.client({ retryStrategy: () => 100 });
      client.on('error', () => {});
      cache = responseCache({ store: redisStore({ client, prefix: 'mid:' }), compress: false, timeout: '250ms' });
      const app = express();
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered = false;
      app.get('/mid', cache, async (_req, res) => {
        entered = true;
        await gate;
        res.send('mid');
      });
      await cache.ready;
      const pending = request(app).get('/mid');
      const done = pending.then((response) => response);
      for (let i = 0; i < 500 && !entered; i++) await sleep(10);
      expect(entered).toBe(true);
      await server.stop();
      release();
      const response = await done;
      expect(response.status).toBe(200);
      expect(response.text).toBe('mid');
      expect(response.headers['x-cache']).toBe('MISS');
      expect(events.some((event) => event.type === 'error' && event.operation === 'l2-set')).toBe(true);
      // The entry is in L1 and served from there while Redis is still down.
      const again = await request(app).get('/mid');
      expect(again.status).toBe(200);
      expect(again.headers['x-cache']).toBe('HIT');
      client.disconnect();
    });

    it('flushes L1 when the bus reconnects (pub/sub loses messages while disconnected)', async () => {
      const client = server.client({ retryStrategy: () => 100 });
      client.on('error', () => {});
      cache = responseCache({ store: redisStore({ client, prefix: 'flush:' }), compress: false });
      const app = express();
      app.get('/f', cache, (_req, res) => {
        res.send('f');
      });
      await cache.ready;
      await request(app).get('/f');
      expect((await request(app).get('/f')).headers['x-cache']).toBe('HIT');
      await server.stop();
      await server.start();
      let status: string | undefined = 'HIT';
      for (let i = 0; i < 250 && status === 'HIT'; i++) {
        await sleep(20);
        status = (await request(app).get('/f')).headers['x-cache'];
      }
      expect(status).toBe('MISS');
      client.disconnect();
    });
  });
});

describeRedis('distributed cache on a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });
  sharedSuite('cluster', async () => [cluster.client(), cluster.client()]);
});
