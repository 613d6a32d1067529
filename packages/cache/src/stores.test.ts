import { randomUUID } from 'node:crypto';
import { describeRedis, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '@expresskit/testing';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntry } from './entry.js';
import { memoryStore } from './stores/memory.js';
import { redisStore } from './stores/redis.js';
import { describeCacheStore, sampleEntry } from './testing/store-contract.js';

describeCacheStore('memory', async () => ({ store: memoryStore(), cleanup: async () => {} }));

describe('memoryStore', () => {
  it('is bounded by bytes, evicting the least recently used entries', async () => {
    const store = memoryStore({ maxBytes: 3_500 });
    const entry = sampleEntry({ body: Buffer.alloc(700) });
    for (const key of ['a', 'b', 'c']) await store.set(key, entry, 60_000);
    await store.get('a');
    await store.set('d', entry, 60_000);
    expect(await store.get('a')).toBeDefined();
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('d')).toBeDefined();
    await store.set('huge', sampleEntry({ body: Buffer.alloc(5_000) }), 60_000);
    expect(await store.get('huge')).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxBytes %s', (maxBytes) => {
    expect(() => memoryStore({ maxBytes })).toThrow(
      new TypeError(`memoryStore: "maxBytes" must be a positive integer, got ${maxBytes}`),
    );
  });
});

describe('redisStore', () => {
  it('rejects a client that is not an ioredis client', () => {
    expect(() => redisStore({ client: {} as Redis })).toThrow(
      new TypeError('redisStore: "client" must be an ioredis Redis or Cluster instance'),
    );
  });
});

describeRedis('redisStore on a real redis-server', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
    client = server.client();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
  });

  describeCacheStore('redis', async () => {
    const store = redisStore({ client, prefix: `t${randomUUID()}:` });
    return { store, cleanup: () => store.clear() };
  });

  it('writes one binary string per entry with a TTL (raw body bytes, no JSON-encoded Buffer)', async () => {
    const store = redisStore({ client, prefix: 'raw:' });
    const entry = sampleEntry();
    await store.set('GET /raw', entry, 30_000);
    const stored = await client.getBuffer('raw:e:GET /raw');
    expect(stored).not.toBeNull();
    const bytes = stored ?? Buffer.alloc(0);
    expect(Buffer.compare(bytes.subarray(bytes.length - 256), entry.body)).toBe(0);
    expect(bytes.toString('latin1')).not.toContain('"type":"Buffer"');
    expect(decodeEntry(bytes)?.entry).toEqual(entry);
    const pttl = await client.pttl('raw:e:GET /raw');
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('writes a Vary pointer and its variant in one MULTI after one tag-version read (MONITOR)', async () => {
    const store = redisStore({ client, prefix: 'multi:' });
    const monitor = await client.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const [command, key] = args;
      if (typeof key === 'string' && key.startsWith('multi:')) seen.push(`${command?.toLowerCase()} ${key}`);
      else if (command?.toLowerCase() === 'multi' || command?.toLowerCase() === 'exec')
        seen.push(command.toLowerCase());
    });
    try {
      await store.setMany?.([
        { key: 'GET /m', entry: sampleEntry({ tags: ['a'], vary: ['x'] }), retentionMs: 30_000 },
        { key: 'GET /m#x', entry: sampleEntry({ tags: ['a', 'b'] }), retentionMs: 20_000 },
      ]);
      await client.ping();
      for (let i = 0; i < 250 && seen.length < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      monitor.disconnect();
    }
    expect(seen).toEqual(['mget multi:t:a', 'multi', 'set multi:e:GET /m', 'set multi:e:GET /m#x', 'exec']);
    expect(await client.pttl('multi:e:GET /m')).toBeGreaterThan(25_000);
    expect(await client.pttl('multi:e:GET /m#x')).toBeLessThanOrEqual(20_000);
  });

  it('reads an entry and its tag versions in one round trip (one EVALSHA, MONITOR)', async () => {
    const store = redisStore({ client, prefix: 'one:' });
    await store.set('GET /one', sampleEntry({ tags: ['a', 'b'] }), 30_000);
    await store.get('GET /one'); // loads the script (EVAL after a NOSCRIPT on a fresh server)
    const monitor = await client.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const command = args[0]?.toLowerCase();
      if (command !== 'ping' && command !== 'monitor') seen.push(command ?? '');
    });
    try {
      expect((await store.get('GET /one'))?.tags).toEqual(['a', 'b']);
      await store.invalidateTags(['b']);
      expect(await store.get('GET /one')).toBeUndefined();
      await client.ping();
      for (let i = 0; i < 250 && seen.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      monitor.disconnect();
    }
    // Redis logs the script's own GET and MGET after each EVALSHA.
    expect(seen.filter((command) => !['get', 'mget'].includes(command))).toEqual(['evalsha', 'incr', 'evalsha']);
  });

  it('keeps tags as version counters: invalidation bumps a counter and scans nothing', async () => {
    const store = redisStore({ client, prefix: 'tv:' });
    await store.set('GET /t', sampleEntry({ tags: ['x'] }), 30_000);
    await store.invalidateTags(['x']);
    expect(await client.get('tv:t:x')).toBe('1');
    expect(await client.exists('tv:e:GET /t')).toBe(1);
    expect(await store.get('GET /t')).toBeUndefined();
  });

  it('reports unavailable while the server is down and recovers', async () => {
    const down = await startRedis();
    const own = down.client({ maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    own.on('error', () => {});
    const store = redisStore({ client: own });
    await own.ping();
    expect(store.available?.()).toBe(true);
    await down.stop();
    for (let i = 0; i < 100 && store.available?.(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.available?.()).toBe(false);
    await down.start();
    for (let i = 0; i < 250 && !store.available?.(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.available?.()).toBe(true);
    own.disconnect();
    await down.close();
  });
});

describeRedis('redisStore on a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = cluster.client();
  });
  afterAll(async () => {
    client?.disconnect();
    await cluster?.close();
  });

  describeCacheStore('redis cluster', async () => {
    const store = redisStore({ client, prefix: `t${randomUUID()}:` });
    return { store, cleanup: () => store.clear() };
  });

  it('spreads entries over the masters and reads tag counters that live in other slots', async () => {
    const store = redisStore({ client, prefix: 'spread:' });
    for (let i = 0; i < 30; i++) await store.set(`GET /s/${i}`, sampleEntry({ tags: [`tag-${i % 7}`, 'all'] }), 30_000);
    const counts = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(counts.filter((count) => count > 0)).toHaveLength(3);
    await store.invalidateTags(['tag-3']);
    const present = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => (await store.get(`GET /s/${i}`)) !== undefined),
    );
    expect(present.filter((p) => !p)).toHaveLength(4);
    expect(present.every((p, i) => p === (i % 7 !== 3))).toBe(true);
    await store.clear();
  });
});
