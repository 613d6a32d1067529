import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeRedis, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '@expresskit/testing';
import fc from 'fast-check';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { compilePolicies } from './policy.js';
import { memoryStore } from './stores/memory.js';
import { redisKey, redisStore } from './stores/redis.js';
import { SCRIPT_SHA } from './stores/script.js';
import { describeRateLimitStore } from './testing/contract.js';

/**
 * 4 separate connections (each its own store, as 4 app instances would have) fire 400 concurrent
 * requests at one fresh key with limit 50; returns how many were allowed.
 */
async function fireConcurrently(clients: ReadonlyArray<Redis | Cluster>): Promise<number> {
  const [fifty] = compilePolicies({ name: 'concurrency', limit: 50, window: '1h' });
  if (!fifty) throw new Error('no policy');
  const key = `fresh-${Date.now()}-${Math.random()}`;
  const stores = clients.map((client) => redisStore({ client }));
  const decisions = await Promise.all(
    Array.from({ length: 400 }, (_, i) => stores[i % stores.length]?.hit(key, [fifty], 1, 'consume')),
  );
  return decisions.filter((d) => d?.allowed === true).length;
}

describeRedis('redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.close();
  });

  describeRateLimitStore('redis', () => redisStore({ client: server.client() }));

  it('4 clients, 400 concurrent requests at one fresh key, limit 50: exactly 50 allowed', async () => {
    expect(await fireConcurrently(Array.from({ length: 4 }, () => server.client()))).toBe(50);
  });

  it('the Lua script and the JavaScript decide() agree on random request sequences', async () => {
    const redis = redisStore({ client: server.client() });
    const memory = memoryStore();
    // Windows of hours: the milliseconds between the two stores' clocks never move a unit.
    const policies = compilePolicies([
      { name: 'a', limit: 5, window: '1h' },
      { name: 'b', limit: 12, window: '2h', burst: 4 },
      { name: 'c', limit: 20, window: '3h' },
      { name: 'd', limit: 8, window: '1d', algorithm: 'fixed-window' },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            cost: fc.integer({ min: 0, max: 6 }),
            operation: fc.constantFrom('consume' as const, 'peek' as const, 'charge' as const),
            subset: fc.subarray([0, 1, 2, 3], { minLength: 1 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (requests) => {
          const key = randomUUID();
          for (const { cost, operation, subset } of requests) {
            const chosen = subset.flatMap((i) => policies.slice(i, i + 1));
            const [fromRedis, fromMemory] = await Promise.all([
              redis.hit(key, chosen, cost, operation),
              memory.hit(key, chosen, cost, operation),
            ]);
            // GCRA retries are whole seconds less the milliseconds since the key's first charge:
            // rounded up they agree. A fixed window's retry is the time to the end of the day, which
            // the two clocks see a few milliseconds apart: compared by sign only.
            const coarse = (d: typeof fromRedis) => [
              d.allowed,
              d.policies.map((p) => [
                p.name,
                p.conform,
                p.remaining,
                p.retryUs <= 0 || p.name === 'd' ? Math.sign(p.retryUs) : Math.ceil(p.retryUs / 1e6),
              ]),
            ];
            expect(coarse(fromRedis)).toEqual(coarse(fromMemory));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stores one hash-tagged key per policy, with the time to full recovery as TTL', async () => {
    const client = server.client();
    const store = redisStore({ client });
    const policies = compilePolicies([
      { name: 'second', limit: 10, window: '1s' },
      { name: 'hour', limit: 100, window: '1h' },
    ]);
    await store.hit('ttl-client', policies, 1, 'consume');
    expect(await client.keys('rl:{ttl-client}:*')).toEqual(
      expect.arrayContaining(['rl:{ttl-client}:second', 'rl:{ttl-client}:hour']),
    );
    const [second, hour] = await Promise.all([
      client.pttl('rl:{ttl-client}:second'),
      client.pttl('rl:{ttl-client}:hour'),
    ]);
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThanOrEqual(100);
    expect(hour).toBeGreaterThan(30_000);
    expect(hour).toBeLessThanOrEqual(36_000);
    expect(redisKey('rl:', 'a{b}c', 'p')).toBe('rl:{a%7Bb%7Dc}:p');
  });

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT → EVAL), then uses EVALSHA again', async () => {
    const client = server.client();
    const store = redisStore({ client });
    const [policy] = compilePolicies({ name: 'p', limit: 3, window: '1h' });
    if (!policy) throw new Error('no policy');
    await store.hit('flush', [policy], 1, 'consume');
    await client.script('FLUSH');
    expect(await client.script('EXISTS', SCRIPT_SHA)).toEqual([0]);
    const decision = await store.hit('flush', [policy], 1, 'consume');
    expect(decision.policies[0]?.remaining).toBe(1);
    expect(await client.script('EXISTS', SCRIPT_SHA)).toEqual([1]);
  });

  it('uses the Redis clock (TIME): stores on app clocks skewed by hours agree, the state is in Redis time', async () => {
    const client = server.client();
    const a = redisStore({ client: server.client() });
    const b = redisStore({ client: server.client() });
    // T = 15 min. A store on the app's clock would admit one request, then see the +2 h TAT as debt.
    const [policy] = compilePolicies({ name: 'p', limit: 4, window: '1h' });
    if (!policy) throw new Error('no policy');
    const key = randomUUID();
    const real = Date.now();
    const seen: Array<[boolean, number | undefined]> = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (const [store, skewMs] of [
        [a, 7_200_000],
        [b, 0],
        [a, -7_200_000],
        [b, 86_400_000],
        [a, -86_400_000],
      ] as const) {
        vi.setSystemTime(real + skewMs);
        const decision = await store.hit(key, [policy], 1, 'consume');
        seen.push([decision.allowed, decision.policies[0]?.remaining]);
      }
    } finally {
      vi.useRealTimers();
    }
    expect(seen).toEqual([
      [true, 3],
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    const [seconds, micros] = await client.time();
    const tat = Number(await client.get(`rl:{${key}}:p`));
    const lead = tat - (Number(seconds) * 1_000_000 + Number(micros));
    // 4 units of 15 min ahead of Redis's own clock (less the time this test took).
    expect(lead).toBeLessThanOrEqual(3_600_000_000);
    expect(lead).toBeGreaterThan(3_540_000_000);
  });

  it('one round trip per request: one EVALSHA for all policies, nothing else on the wire', async () => {
    const client = server.client();
    const store = redisStore({ client });
    const policies = compilePolicies([
      { name: 'a', limit: 10, window: '1s' },
      { name: 'b', limit: 100, window: '1h' },
      { name: 'c', limit: 1000, window: '1d', algorithm: 'fixed-window' },
    ]);
    await store.hit('warm-up', policies, 0, 'peek'); // connected, script loaded
    const monitor = await server.client().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') commands.push(String(args[0]).toLowerCase());
    });
    try {
      const key = randomUUID();
      for (let i = 0; i < 4; i++) await store.hit(key, policies, 1, 'consume');
      await store.hit(key, policies, 1, 'peek');
      await store.hit(key, policies, 1, 'charge');
      await client.echo('end-of-test');
      const deadline = Date.now() + 20_000;
      while (!commands.includes('echo') && Date.now() < deadline) await sleep(20);
    } finally {
      monitor.disconnect();
    }
    expect(commands).toEqual([...Array<string>(6).fill('evalsha'), 'echo']);
  });

  it('uses the Redis clock: two stores agree whatever their local clocks say', async () => {
    const a = redisStore({ client: server.client() });
    const b = redisStore({ client: server.client() });
    const [policy] = compilePolicies({ name: 'p', limit: 4, window: '1h' });
    if (!policy) throw new Error('no policy');
    const results = [];
    for (const store of [a, b, a, b, a]) results.push((await store.hit('clock', [policy], 1, 'consume')).allowed);
    expect(results).toEqual([true, true, true, true, false]);
  });

  it('rejects bad options at creation', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(
      new TypeError('redisStore: "client" must be an ioredis Redis or Cluster client'),
    );
    expect(() => redisStore({ client: server.client(), prefix: 'app{1}:' })).toThrow(
      new TypeError('redisStore: "prefix" must not contain { or }, got "app{1}:"'),
    );
  });
});

describeRedis('redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  describeRateLimitStore('redis cluster (3 masters)', () => redisStore({ client: cluster.client() }));

  it('4 clients, 400 concurrent requests at one fresh key, limit 50: exactly 50 allowed', async () => {
    expect(await fireConcurrently(Array.from({ length: 4 }, () => cluster.client()))).toBe(50);
  });

  it('loads the script on every master on demand (NOSCRIPT → EVAL), then runs it by EVALSHA', async () => {
    const client = cluster.client();
    const store = redisStore({ client });
    const [policy] = compilePolicies({ name: 'p', limit: 3, window: '1h' });
    if (!policy) throw new Error('no policy');
    await store.hit('warm-up', [policy], 0, 'peek'); // connects and learns the slot map
    const masters = client.nodes('master');
    expect(masters).toHaveLength(3);
    await Promise.all(masters.map((node) => node.script('FLUSH')));
    const keys = Array.from({ length: 30 }, (_, i) => `noscript-${i}`);
    const first = await Promise.all(keys.map((key) => store.hit(key, [policy], 1, 'consume')));
    const second = await Promise.all(keys.map((key) => store.hit(key, [policy], 1, 'consume')));
    expect(first.map((d) => d.policies[0]?.remaining)).toEqual(keys.map(() => 2));
    expect(second.map((d) => d.policies[0]?.remaining)).toEqual(keys.map(() => 1));
    expect(await Promise.all(masters.map((node) => node.script('EXISTS', SCRIPT_SHA)))).toEqual([[1], [1], [1]]);
  });

  it('keeps every policy of a key in one slot, for keys spread over all masters', async () => {
    const client = cluster.client();
    const store = redisStore({ client });
    const policies = compilePolicies([
      { name: 'a', limit: 2, window: '1h' },
      { name: 'b', limit: 3, window: '1h' },
      { name: 'c', limit: 4, window: '1h' },
    ]);
    const keys = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
    const decisions = await Promise.all(keys.map((key) => store.hit(key, policies, 1, 'consume')));
    expect(decisions.map((d) => d.policies.map((p) => p.remaining))).toEqual(keys.map(() => [1, 2, 3]));
    const slots = new Set<number>();
    for (const key of keys) slots.add(Number(await client.cluster('KEYSLOT', `rl:{${key}}:a`)));
    expect(slots.size).toBeGreaterThan(1);
  });
});
