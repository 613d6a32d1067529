import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from './redis.js';

describeRedis('startRedis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves a real redis-server on a free loopback port without persistence', async () => {
    const client = server.client();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await client.set('greeting', 'hello')).toBe('OK');
    expect(await client.get('greeting')).toBe('hello');
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    client.disconnect();
  });

  it('can be stopped and started again on the same port, losing its data', async () => {
    const before = server.client({ lazyConnect: true });
    await before.connect();
    await before.set('k', 'v');
    before.disconnect();
    await server.stop();
    expect(server.running).toBe(false);
    await server.start();
    expect(server.running).toBe(true);
    const after = server.client();
    expect(await after.get('k')).toBeNull();
    expect(await after.dbsize()).toBe(0);
    after.disconnect();
  });
});

describeRedis('startRedisCluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('runs three masters that own all 16384 slots between them', async () => {
    const client = cluster.client();
    expect(cluster.nodes).toHaveLength(3);
    const slots = (await client.cluster('SLOTS')) as Array<[number, number, ...unknown[]]>;
    const owned = slots.reduce((sum, [from, to]) => sum + (to - from + 1), 0);
    expect(owned).toBe(16_384);
    expect(new Set(slots.map((slot) => slot.length))).toEqual(new Set([3]));
    expect(client.nodes('master')).toHaveLength(3);
    client.disconnect();
  });

  it('routes keys to different masters and keeps hash-tagged keys in one slot', async () => {
    const client = cluster.client();
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    for (const key of keys) await client.set(key, key.toUpperCase());
    for (const key of keys) expect(await client.get(key)).toBe(key.toUpperCase());
    const counts = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(counts.filter((count) => count > 0).length).toBe(3);
    // Multi-key commands work when every key shares a hash tag.
    await client.mset('rl:{user-1}:a', '1', 'rl:{user-1}:b', '2');
    expect(await client.mget('rl:{user-1}:a', 'rl:{user-1}:b')).toEqual(['1', '2']);
    client.disconnect();
  });
});
