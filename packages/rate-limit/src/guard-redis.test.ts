import { CHANNELS, type RateLimitEvent, subscribe } from '@expresskit/core';
import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { StoreGuard } from './guard.js';
import { compilePolicies } from './policy.js';
import { redisStore } from './stores/redis.js';

const policies = compilePolicies({ name: 'p', limit: 1000, window: '1h' });

describeRedis('StoreGuard on a real redis-server: the shared timeout', () => {
  let server: RedisServer;
  let events: RateLimitEvent[] = [];
  let unsubscribe: () => void = () => {};
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedis();
    unsubscribe = subscribe(CHANNELS.rateLimit, (event) => events.push(event));
  });
  afterEach(() => {
    events = [];
  });
  afterAll(async () => {
    unsubscribe();
    for (const client of clients) client.disconnect();
    await server?.close();
  });

  /** A guard over a connected client (the ping waits for the connection). */
  async function guard(timeoutMs: number): Promise<StoreGuard> {
    const client = server.client();
    client.on('error', () => {});
    clients.push(client);
    await client.ping();
    return new StoreGuard({
      store: redisStore({ client }),
      fallback: undefined,
      policy: 'fail-open',
      timeoutMs,
      failures: 1_000,
      probeIntervalMs: 1_000,
    });
  }

  it('200 concurrent calls answered in time: all decided, none left in flight, no timeout', async () => {
    const g = await guard(10_000);
    const key = `inflight-${Date.now()}`;
    const pending = Array.from({ length: 200 }, () => g.hit(key, policies, 1, 'consume'));
    expect(g.inFlight).toBe(200);
    const outcomes = await Promise.all(pending);
    const remaining = outcomes.map((o) => o.decision?.policies[0]?.remaining).sort((a = 0, b = 0) => b - a);
    expect(remaining).toEqual(Array.from({ length: 200 }, (_, i) => 999 - i));
    expect([g.inFlight, events.length]).toEqual([0, 0]);
  });

  it('a paused Redis: every call in flight times out after the timeout, each once', async () => {
    const g = await guard(150);
    const blocker = server.client();
    clients.push(blocker);
    await blocker.call('CLIENT', 'PAUSE', '1500', 'ALL');
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const outcome = await g.hit(`paused-${Date.now()}`, policies, 1, 'consume');
        return { outcome, elapsed: performance.now() - started };
      }),
    );
    await blocker.ping(); // answered once the pause is over
    for (const { outcome, elapsed } of outcomes) {
      expect('error' in outcome ? outcome.error.message : 'decided').toBe('redis store timed out after 150 ms');
      expect(elapsed).toBeGreaterThanOrEqual(149);
      expect(elapsed).toBeLessThan(1_400); // long before Redis was free again
    }
    expect(events.map((e) => e.type)).toEqual(Array(5).fill('store-error'));
    expect(g.inFlight).toBe(0);
    // The late replies from Redis settle nothing twice: still 5 errors, and the store answers again.
    const after = await g.hit(`after-${Date.now()}`, policies, 1, 'consume');
    expect([after.decision?.allowed, events.length]).toEqual([true, 5]);
  });
});
