import { CHANNELS, PROBLEM_CONTENT_TYPE, type RateLimitEvent, subscribe } from '@expresskit/core';
import { describeRedis, expressMajors, type RedisServer, startRedis } from '@expresskit/testing';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoreErrorPolicy } from './guard.js';
import { rateLimit } from './rate-limit.js';
import { memoryStore } from './stores/memory.js';
import { redisStore } from './stores/redis.js';

/** Generous bound on one request while Redis is down: the store timeout is 250 ms. */
const BOUND_MS = 2_000;

describeRedis('store failure: Redis stopped mid-test, then started again', () => {
  let server: RedisServer;
  let events: RateLimitEvent[] = [];
  let unsubscribe: () => void = () => {};
  beforeAll(async () => {
    server = await startRedis();
    unsubscribe = subscribe(CHANNELS.rateLimit, (event) => {
      if (event.type !== 'allowed' && event.type !== 'limited') events.push(event);
    });
  });
  afterAll(async () => {
    unsubscribe();
    await server?.close();
  });
  afterEach(async () => {
    if (!server.running) await server.start();
  });

  /** A client with ioredis defaults (offline queue on, 20 retries per request). */
  function client(): Redis {
    const redis = server.client();
    redis.on('error', () => {});
    return redis;
  }

  describe.each(expressMajors)('$name', ({ express }) => {
    function appFor(onStoreError: StoreErrorPolicy, redis: Redis, key: string) {
      const app = express();
      app.use(
        rateLimit({
          policies: { name: 'p', limit: 3, window: '1h' },
          store: redisStore({ client: redis }),
          key: () => key,
          onStoreError,
          // A frozen clock for the fallback store: its headers are exact however slow the machine is.
          ...(onStoreError === 'fallback' ? { fallbackStore: memoryStore({ clock: () => 1_700_000_000_000 }) } : {}),
          storeTimeout: '250ms',
          breaker: { failures: 2, probeInterval: '200ms' },
        }),
      );
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      return app;
    }

    async function timed(app: ReturnType<typeof appFor>) {
      const started = performance.now();
      const response = await request(app).get('/');
      return { response, elapsed: performance.now() - started };
    }

    /**
     * Polls until a request is answered by Redis again: a 200 with a RateLimit header can only come
     * from Redis (fail-open/fail-closed send no headers while degraded; the fallback store is spent).
     */
    async function waitForRecovery(app: ReturnType<typeof appFor>) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const response = await request(app).get('/');
        if (response.status === 200 && response.headers.ratelimit !== undefined) return response;
        if (Date.now() > deadline) throw new Error('the limiter did not recover');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    async function run(policy: StoreErrorPolicy, expectDown: (responses: Awaited<ReturnType<typeof timed>>[]) => void) {
      events = [];
      const redis = client();
      const key = `${policy}-${express.name}-${Date.now()}`;
      const app = appFor(policy, redis, key);
      const first = await request(app).get('/');
      expect([first.status, first.headers.ratelimit]).toEqual([200, '"p";r=2;t=1200']);

      await server.stop();
      const down: Awaited<ReturnType<typeof timed>>[] = [];
      for (let i = 0; i < 6; i++) down.push(await timed(app));
      for (const { elapsed } of down) expect(elapsed).toBeLessThan(BOUND_MS);
      expectDown(down);
      expect(events.map((e) => e.type).slice(0, 3)).toEqual(['store-error', 'store-error', 'degraded']);
      expect(events[2]).toMatchObject({ type: 'degraded', store: 'redis', policy });

      await server.start();
      const back = await waitForRecovery(app);
      expect(events.at(-1)).toMatchObject({ type: 'recovered', store: 'redis', policy });
      // Redis restarted empty: it counts from a full quota again (a request that timed out
      // during the reconnect may have been applied late, hence r ≤ 2).
      const remaining = Number(/r=(\d+)/.exec(String(back.headers.ratelimit))?.[1]);
      expect(remaining).toBeLessThanOrEqual(2);
      expect(await redis.exists(`rl:{${key}}:p`)).toBe(1);
      const backT = Number(/t=(\d+)/.exec(String(back.headers.ratelimit))?.[1]);
      const next = await request(app).get('/');
      const [, r, t] = /^"p";r=(\d+);t=(\d+)$/.exec(String(next.headers.ratelimit)) ?? [];
      expect(Number(r)).toBe(remaining - 1);
      expect(Number(t)).toBeGreaterThanOrEqual(backT + 1199);
      expect(Number(t)).toBeLessThanOrEqual(backT + 1200);
    }

    it('fail-open: requests go through (without RateLimit headers), latency bounded', { timeout: 60_000 }, async () => {
      await run('fail-open', (down) => {
        expect(down.map(({ response }) => [response.status, response.text, response.headers.ratelimit])).toEqual(
          Array.from({ length: 6 }, () => [200, 'ok', undefined]),
        );
      });
    });

    it('fail-closed: 503 problem+json, latency bounded', { timeout: 60_000 }, async () => {
      await run('fail-closed', (down) => {
        for (const { response } of down) {
          expect(response.status).toBe(503);
          expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
          expect(response.headers['retry-after']).toBe('1');
          expect(response.body).toEqual({
            type: 'tag:expresskit.dev,2026:unavailable',
            title: 'Rate limiter unavailable',
            status: 503,
            detail: 'The rate limiter cannot reach its store, and is configured to reject requests until it can',
          });
        }
      });
    });

    it('fallback: the limit is enforced by a local memory store, latency bounded', { timeout: 60_000 }, async () => {
      await run('fallback', (down) => {
        expect(down.map(({ response }) => [response.status, response.headers.ratelimit])).toEqual([
          [200, '"p";r=2;t=1200'],
          [200, '"p";r=1;t=2400'],
          [200, '"p";r=0;t=3600'],
          [429, '"p";r=0;t=1200'],
          [429, '"p";r=0;t=1200'],
          [429, '"p";r=0;t=1200'],
        ]);
      });
    });
  });

  describe.each(expressMajors)('a closed ioredis client on $name', ({ express }) => {
    it('fail-closed: onError replaces the 503, answered at once (no command is queued)', async () => {
      const redis = client();
      await redis.quit(); // status 'end': the store refuses before sending anything
      const app = express();
      app.use(
        rateLimit({
          policies: { name: 'p', limit: 3, window: '1h' },
          store: redisStore({ client: redis }),
          onStoreError: 'fail-closed',
          storeTimeout: '10s',
          onError: (problem, _req, res) => {
            res
              .status(problem.status)
              .set(problem.headers)
              .json({ busy: problem.type, cause: String(problem.cause) });
          },
        }),
      );
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      const started = performance.now();
      const response = await request(app).get('/');
      // Far below the 10 s store timeout: nothing waited for a connection.
      expect(performance.now() - started).toBeLessThan(5_000);
      expect([response.status, response.headers['retry-after'], response.headers.ratelimit, response.body]).toEqual([
        503,
        '1',
        undefined,
        { busy: 'tag:expresskit.dev,2026:unavailable', cause: 'Error: redisStore: the Redis connection is end' },
      ]);
    });
  });

  it('a slow Redis (CLIENT PAUSE: every command held 3 s) times out after storeTimeout and fails open, on Express 4 and 5', async () => {
    events = [];
    const apps = expressMajors.map(({ name, express }) => {
      const app = express();
      app.use(
        rateLimit({
          policies: { name: 'p', limit: 3, window: '1h' },
          store: redisStore({ client: client() }),
          key: () => `slow-${name}`,
          storeTimeout: '150ms',
        }),
      );
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      return app;
    });
    for (const app of apps) expect((await request(app).get('/')).headers.ratelimit).toBe('"p";r=2;t=1200');
    const blocker = client();
    // Once Redis has answered this, it holds every other command until the 3 s are over: the
    // requests below certainly meet a slow Redis, however the machine schedules them.
    await blocker.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const down = await Promise.all(
      apps.map(async (app) => {
        const started = performance.now();
        const response = await request(app).get('/');
        return { response, elapsed: performance.now() - started };
      }),
    );
    await blocker.ping(); // held until the pause is over: Redis is free again for what follows
    for (const { response, elapsed } of down) {
      expect([response.status, response.text, response.headers.ratelimit]).toEqual([200, 'ok', undefined]);
      expect(elapsed).toBeLessThan(2_000); // answered long before Redis was free again
    }
    expect(events.map((e) => [e.type, 'store' in e && e.store, e.policy, 'error' in e && e.error?.message])).toEqual([
      ['store-error', 'redis', 'fail-open', 'redis store timed out after 150 ms'],
      ['store-error', 'redis', 'fail-open', 'redis store timed out after 150 ms'],
    ]);
  });
});
