import { describeRedis, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '@expresskit/testing';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compilePolicies } from './policy.js';
import { redisStore } from './stores/redis.js';

const [fifty] = compilePolicies({ name: 'concurrency', limit: 50, window: '1h' });

/** 4 separate connections (each its own store, as 4 app instances would be), 400 concurrent requests at one fresh key. */
async function fire(clients: ReadonlyArray<Redis | Cluster>, key: string): Promise<number> {
  if (!fifty) throw new Error('no policy');
  const stores = clients.map((client) => redisStore({ client }));
  const decisions = await Promise.all(
    Array.from({ length: 400 }, (_, i) => stores[i % stores.length]?.hit(key, [fifty], 1, 'consume')),
  );
  return decisions.filter((d) => d?.allowed === true).length;
}

describeRedis('400 concurrent requests from 4 clients, limit 50', () => {
  let server: RedisServer;
  let cluster: RedisCluster;
  beforeAll(async () => {
    [server, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), cluster?.close()]);
  });

  it('Redis: exactly 50 allowed', async () => {
    const clients = Array.from({ length: 4 }, () => server.client());
    expect(await fire(clients, `fresh-${Date.now()}`)).toBe(50);
  });

  it('Redis Cluster: exactly 50 allowed', async () => {
    const clients = Array.from({ length: 4 }, () => cluster.client());
    expect(await fire(clients, `fresh-${Date.now()}`)).toBe(50);
  });
});
