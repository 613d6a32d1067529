import { describeRedis, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '@expresskit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { against, eventLoopDelayCheck, heapCheck, redisCheck, rssCheck } from './checks.js';
import { CheckRunner, type HealthCheck } from './runner.js';

/** Runs one check through the runner (timeout 300 ms, no caching) and returns its result. */
async function runOnce(check: HealthCheck, timeout = 300) {
  const runner = new CheckRunner('test', { 'x:y': check }, { timeout, cacheTtl: 0 });
  const [result] = await runner.run();
  if (!result) throw new Error('no result');
  return result;
}

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeRedis('redisCheck against a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('passes with the PING round trip in ms', async () => {
    const client = server.client();
    await waitFor(() => client.status === 'ready');
    const result = await runOnce(redisCheck(client));
    expect(result.status).toBe('pass');
    expect(result.componentType).toBe('datastore');
    expect(result.observedUnit).toBe('ms');
    expect(typeof result.observedValue).toBe('number');
    expect(result.observedValue as number).toBeGreaterThanOrEqual(0);
    client.disconnect();
  });

  it('times out when the server does not answer (CLIENT PAUSE), without waiting for the reply', async () => {
    const client = server.client();
    const admin = server.client();
    await waitFor(() => client.status === 'ready' && admin.status === 'ready');
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    // A PING sent alongside the check's own is answered only when the pause ends: the check must
    // have given up before that, whatever the machine's load.
    const replied = client.ping().then(() => performance.now());
    const result = await runOnce(redisCheck(client), 200);
    const answered = performance.now();
    expect(result.status).toBe('fail');
    expect(result.output).toBe('check "x:y" timed out after 200 ms');
    expect(answered).toBeLessThan(await replied);
    client.disconnect();
    admin.disconnect();
  });

  it('fails fast once the server is stopped, and passes again when it is back', async () => {
    const client = server.client({ retryStrategy: () => 50 });
    client.on('error', () => {}); // ECONNREFUSED while the server is down is expected here
    await waitFor(() => client.status === 'ready');
    const check = redisCheck(client, { critical: false });
    expect((await runOnce(check)).status).toBe('pass');

    await server.stop();
    await waitFor(() => client.status !== 'ready');
    // The offline queue fills up with application commands meanwhile; the check must not join it.
    const queued = client.get('some-key').catch((error: Error) => error);
    const results = await Promise.all(Array.from({ length: 3 }, () => runOnce(check, 200)));
    for (const result of results) {
      expect(result.status).toBe('fail');
      expect(result.critical).toBe(false);
      expect(result.output).toMatch(/^redis client is (connecting|reconnecting|connect)$/);
      expect(result.durationMs).toBeLessThan(200);
    }

    await server.start();
    await waitFor(() => client.status === 'ready');
    expect((await runOnce(check)).status).toBe('pass');
    await queued; // null once replayed, or MaxRetriesPerRequestError: either way it settled
    client.disconnect();
  });

  it('fails when the client was closed', async () => {
    const client = server.client();
    await waitFor(() => client.status === 'ready');
    await client.quit();
    await waitFor(() => client.status === 'end');
    const result = await runOnce(redisCheck(client));
    expect(result.status).toBe('fail');
    expect(result.output).toBe('redis client is end');
  });
});

describeRedis('redisCheck against a real Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('passes with a Cluster client once it is ready', async () => {
    const client = cluster.client();
    await waitFor(() => client.status === 'ready');
    const result = await runOnce(redisCheck(client), 1000);
    expect(result.status).toBe('pass');
    expect(result.observedUnit).toBe('ms');
    client.disconnect();
  });
});

describe('redisCheck configuration', () => {
  it('rejects something that is not a client', () => {
    expect(() => redisCheck({} as never)).toThrow(
      new TypeError('redisCheck: "client" must be an ioredis Redis or Cluster client'),
    );
  });
});

describe('process checks', () => {
  it('eventLoopDelayCheck reports the delay since its previous run and fails above "fail"', async () => {
    const check = eventLoopDelayCheck({ warn: '100ms', fail: '300ms' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const blockedUntil = Date.now() + 600;
      while (Date.now() < blockedUntil) {
        // busy-wait: the event loop is blocked for 600 ms
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const result = await runOnce(check, 1000);
      expect(result.status).toBe('fail');
      expect(result.observedUnit).toBe('ms');
      expect(result.observedValue as number).toBeGreaterThan(300);
      expect(result.componentType).toBe('system');
    } finally {
      check.close();
    }
  });

  it('heapCheck and rssCheck report bytes and apply thresholds', async () => {
    const heap = await runOnce(heapCheck({ fail: 0.999 }));
    expect(heap.status).toBe('pass');
    expect(heap.observedUnit).toBe('bytes');
    expect(heap.observedValue as number).toBeGreaterThan(0);
    expect((await runOnce(heapCheck({ warn: 1024 }))).status).toBe('warn');
    const rss = await runOnce(rssCheck({ fail: 1024 }));
    expect(rss.status).toBe('fail');
    expect(rss.observedValue as number).toBeGreaterThan(1024);
    expect((await runOnce(rssCheck({ warn: 2 ** 50 }))).status).toBe('pass');
  });

  it.each([
    [
      () => heapCheck({ fail: -1 }),
      'heapCheck: "fail" must be a positive number of bytes or a ratio of the heap limit (0–1], got -1',
    ],
    [() => rssCheck({ warn: Number.NaN }), 'rssCheck: "warn" must be a positive number of bytes, got NaN'],
    [() => eventLoopDelayCheck({ percentile: 0 }), 'eventLoopDelayCheck: "percentile" must be in (0, 100], got 0'],
  ])('rejects bad thresholds (%#)', (create, message) => {
    expect(create).toThrow(new TypeError(message));
  });

  it.each([
    [5, undefined, undefined, 'pass'],
    [5, 5, 10, 'pass'],
    [6, 5, 10, 'warn'],
    [11, 5, 10, 'fail'],
    [11, undefined, 10, 'fail'],
    [11, 5, undefined, 'warn'],
  ] as const)('against(%s, warn %s, fail %s) → %s', (value, warn, fail, expected) => {
    expect(against(value, warn, fail)).toBe(expected);
  });
});
