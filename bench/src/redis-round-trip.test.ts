import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SERVERS, type ServerName } from './servers/index.js';
import type { BenchServer } from './servers/types.js';

// The target "our Redis rate limit makes exactly one Redis round trip per request", counted with
// MONITOR on a real redis-server. MONITOR (like INFO commandstats) also lists the commands a Lua
// script runs inside Redis (source "lua"); those cost no round trip, so they are counted apart.
// After a first request (which may load the script), N requests must send exactly N commands.

const REQUESTS = 25;
const MARKER = 'bench-round-trip-marker';

interface Counts {
  /** Commands a client sent (one round trip each: the limiters do not pipeline). */
  sent: Record<string, number>;
  /** Commands run by Lua scripts inside Redis. */
  scripted: Record<string, number>;
}

describeRedis('Redis round trips per rate-limited request (MONITOR)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let monitor: Redis;
  const servers: BenchServer[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    admin = redis.client();
    monitor = await redis.client().monitor();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    monitor.disconnect();
    await redis.close();
  });

  async function count(name: ServerName): Promise<Counts> {
    const server = await SERVERS[name]({ redisUrl: redis.url });
    servers.push(server);
    const warmUp = await request(server.handler).get('/products');
    expect(warmUp.status).toBe(200);
    const counts: Counts = { sent: {}, scripted: {} };
    let recording = false;
    const done = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        const command = (args[0] ?? '').toLowerCase();
        if (command === 'echo' && args[1] === MARKER) {
          if (recording) resolve();
          recording = true;
          return;
        }
        if (!recording) return;
        const bucket = source === 'lua' ? counts.scripted : counts.sent;
        bucket[command] = (bucket[command] ?? 0) + 1;
      });
    });
    await admin.echo(MARKER);
    for (let i = 0; i < REQUESTS; i++) {
      const response = await request(server.handler).get('/products');
      expect(response.status).toBe(200);
    }
    await admin.echo(MARKER);
    await done;
    monitor.removeAllListeners('monitor');
    return counts;
  }

  it(`@expresskit/rate-limit redisStore: one EVALSHA per request (${REQUESTS} requests → ${REQUESTS} round trips)`, async () => {
    const counts = await count('rate-limit/ours-redis');
    expect(counts.sent).toEqual({ evalsha: REQUESTS });
    expect(counts.scripted).toEqual({ time: REQUESTS, get: REQUESTS, set: REQUESTS });
  });

  it('express-rate-limit + rate-limit-redis: one EVALSHA per request too', async () => {
    const counts = await count('rate-limit/erl-redis');
    expect(counts.sent).toEqual({ evalsha: REQUESTS });
    expect(counts.scripted).toEqual({ incr: REQUESTS, pttl: REQUESTS });
  });

  it('rate-limiter-flexible RateLimiterRedis: one EVALSHA per request as well', async () => {
    const counts = await count('rate-limit/flexible-redis');
    expect(counts.sent).toEqual({ evalsha: REQUESTS });
    expect(counts.scripted).toEqual({ set: REQUESTS, incrby: REQUESTS, pttl: REQUESTS });
  });
});
