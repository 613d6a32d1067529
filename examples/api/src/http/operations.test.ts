import { CHANNELS, subscribe } from '@expresskit/core';
import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../testing/harness.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

/**
 * Sends until the answer is not load shedding's 503: on this shared, loaded machine an event-loop
 * stall (test workers starting) makes underPressure shed for a second. Shed requests are answered
 * before the rate limiter, so they use no quota.
 */
async function unshed(send: () => request.Test): Promise<request.Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await send();
    if (res.status !== 503 || attempt === 10) return res;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  }
}

describe('TRUST_PROXY: the rate limit counts the client behind the proxy', () => {
  let running: RunningApi | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('with TRUST_PROXY=loopback each X-Forwarded-For client has its own quota', async () => {
    running = await startApi({ config: { rateLimit: 1, trustProxy: ['loopback'] } });
    const { url } = running;
    const as = (client: string) => unshed(() => request(url).get('/categories').set('X-Forwarded-For', client));
    expect((await as('192.0.2.1')).status).toBe(200);
    const limited = await as('192.0.2.1');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toBe(PROBLEM);
    expect((await as('192.0.2.2')).status).toBe(200);
  });

  it('without it (the default) X-Forwarded-For is ignored: a client cannot mint itself new quotas', async () => {
    running = await startApi({ config: { rateLimit: 1 } });
    const { url } = running;
    const as = (client: string) => unshed(() => request(url).get('/categories').set('X-Forwarded-For', client));
    expect((await as('192.0.2.1')).status).toBe(200);
    expect((await as('192.0.2.2')).status).toBe(429);
  });
});

describeRedis('REDIS_TIMEOUT bounds every Redis wait (a real redis-server held by CLIENT PAUSE)', () => {
  let redis: RedisServer;
  let client: Redis;
  let running: RunningApi | undefined;
  const unsubscribes: Array<() => void> = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async () => {
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    await running?.close();
    running = undefined;
    client?.disconnect();
  });

  it('the rate limiter, the cache L2 and the readiness check give up after REDIS_TIMEOUT', async () => {
    client = redis.client();
    running = await startApi({ redis: client, config: { redisTimeout: 60 } });
    await running.api.cache.ready;
    const messages = new Set<string>();
    unsubscribes.push(
      subscribe(CHANNELS.rateLimit, (event) => {
        if (event.type === 'store-error' && event.error) messages.add(`rate-limit: ${event.error.message}`);
      }),
      subscribe(CHANNELS.cache, (event) => {
        if (event.type === 'error' && event.operation === 'l2-get') messages.add(event.error.message);
      }),
      subscribe(CHANNELS.health, (event) => {
        if (event.type === 'check' && event.error) messages.add(`${event.check}: ${event.error.message}`);
      }),
    );
    const admin = redis.client();
    await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
    try {
      const { url } = running;
      const product = await unshed(() => request(url).get('/products/7'));
      expect(product.status).toBe(200);
      expect(product.headers['x-cache']).toBe('MISS');
      const ready = await request(running.url).get('/health/ready');
      expect([ready.status, ready.body]).toEqual([200, { status: 'warn' }]);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      admin.disconnect();
    }
    expect([...messages].sort()).toEqual([
      'cache: l2-get timed out after 60 ms',
      'rate-limit: redis store timed out after 60 ms',
      'redis:responseTime: check "redis:responseTime" timed out after 60 ms',
    ]);
    expect(running.logged).toEqual([]);
  });
});
