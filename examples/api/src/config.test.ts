import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_CURSOR_SECRET, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has embedded defaults: port 3000, memory stores, 600 requests per minute, open /metrics', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      redisUrl: undefined,
      redisClusterNodes: undefined,
      rateLimit: 600,
      rateLimitWindow: 60,
      apiKeys: [],
      databaseFile: undefined,
      cursorSecret: DEV_CURSOR_SECRET,
      metricsToken: undefined,
      redisTimeout: 250,
      shutdownDelay: 0,
      shutdownTimeout: 25_000,
      trustProxy: false,
      maxEventLoopDelay: 1_000,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '8080',
        REDIS_URL: 'redis://cache:6379/0',
        RATE_LIMIT: '120',
        CURSOR_SECRET: 'a-long-enough-secret',
        METRICS_TOKEN: 'scrape-me',
        RATE_LIMIT_WINDOW: '1h',
        API_KEYS: 'key-0123456789abcdef, key-fedcba9876543210,key-0123456789abcdef',
        DATABASE_FILE: '/var/lib/catalog.sqlite',
        REDIS_TIMEOUT: '100ms',
        SHUTDOWN_DELAY: '3s',
        SHUTDOWN_TIMEOUT: '20000',
        TRUST_PROXY: '1',
        MAX_EVENT_LOOP_DELAY: '5s',
      }),
    ).toEqual({
      port: 8080,
      redisUrl: 'redis://cache:6379/0',
      redisClusterNodes: undefined,
      rateLimit: 120,
      rateLimitWindow: 3600,
      apiKeys: ['key-0123456789abcdef', 'key-fedcba9876543210'],
      databaseFile: '/var/lib/catalog.sqlite',
      cursorSecret: 'a-long-enough-secret',
      metricsToken: 'scrape-me',
      redisTimeout: 100,
      shutdownDelay: 3_000,
      shutdownTimeout: 20_000,
      trustProxy: 1,
      maxEventLoopDelay: 5_000,
    });
  });

  it('turns load shedding off with MAX_EVENT_LOOP_DELAY=off', () => {
    expect(loadConfig({ MAX_EVENT_LOOP_DELAY: 'off' }).maxEventLoopDelay).toBe(false);
  });

  it('waits 5 s after SIGTERM by default only under Kubernetes (KUBERNETES_SERVICE_HOST set)', () => {
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toMatchObject({ shutdownDelay: 5_000 });
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', SHUTDOWN_DELAY: '0' })).toMatchObject({
      shutdownDelay: 0,
    });
  });

  it.each([
    ['false', false],
    ['0', false],
    ['2', 2],
    ['loopback', ['loopback']],
    ['loopback, 10.0.0.0/8,fd00::/8,192.0.2.7', ['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']],
  ])('reads TRUST_PROXY=%j', (value, trustProxy) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(trustProxy);
  });

  it('reads Redis Cluster start nodes (host:port, [IPv6]:port) instead of a URL', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000, 10.0.0.2:7001,[::1]:7002' })).toMatchObject({
      redisUrl: undefined,
      redisClusterNodes: [
        { host: 'redis-1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('resolves a relative DATABASE_FILE against the working directory', () => {
    expect(loadConfig({ DATABASE_FILE: 'data/catalog.sqlite' }).databaseFile).toBe(path.resolve('data/catalog.sqlite'));
  });

  it.each([
    ['30s', 30],
    ['1m', 60],
    ['1d', 86_400],
    ['5000', 5],
  ])('reads RATE_LIMIT_WINDOW=%s as %i seconds', (raw, seconds) => {
    expect(loadConfig({ RATE_LIMIT_WINDOW: raw }).rateLimitWindow).toBe(seconds);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '', METRICS_TOKEN: '' })).toMatchObject({
      port: 3000,
      redisUrl: undefined,
      metricsToken: undefined,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 0 to 65535, got "abc"'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535, got "70000"'],
    [{ PORT: '80 ' }, 'PORT must be an integer from 0 to 65535, got "80 "'],
    [{ RATE_LIMIT: '0' }, 'RATE_LIMIT must be an integer from 1 to 60000000, got "0"'],
    [{ RATE_LIMIT: '1e3' }, 'RATE_LIMIT must be an integer from 1 to 60000000, got "1e3"'],
    [{ RATE_LIMIT: '-5' }, 'RATE_LIMIT must be an integer from 1 to 60000000, got "-5"'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis:// or rediss://, got "localhost:6379"'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL must be a URL such as redis://127.0.0.1:6379, got "not a url"'],
    [{ CURSOR_SECRET: 'short' }, 'CURSOR_SECRET must be at least 16 bytes long, got 5'],
    [
      { REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' },
      'REDIS_URL and REDIS_CLUSTER_NODES are exclusive: set one of them',
    ],
    [
      { REDIS_CLUSTER_NODES: 'redis-1:7000,redis-2' },
      'REDIS_CLUSTER_NODES must be host:port pairs separated by commas (redis-1:6379,redis-2:6379), got "redis-1:7000,redis-2"',
    ],
    [
      { REDIS_CLUSTER_NODES: 'redis://r:7000' },
      'REDIS_CLUSTER_NODES must be host:port pairs separated by commas (redis-1:6379,redis-2:6379), got "redis://r:7000"',
    ],
    [
      { REDIS_CLUSTER_NODES: 'r:70000' },
      'REDIS_CLUSTER_NODES must be host:port pairs separated by commas (redis-1:6379,redis-2:6379), got "r:70000"',
    ],
    [{ RATE_LIMIT_WINDOW: '1.5s' }, 'RATE_LIMIT_WINDOW must be whole seconds from 1s to 1d (30s, 1m, 1h), got "1.5s"'],
    [{ RATE_LIMIT_WINDOW: '2d' }, 'RATE_LIMIT_WINDOW must be whole seconds from 1s to 1d (30s, 1m, 1h), got "2d"'],
    [
      { RATE_LIMIT_WINDOW: 'hourly' },
      'RATE_LIMIT_WINDOW must be whole seconds from 1s to 1d (30s, 1m, 1h), got "hourly"',
    ],
    [{ RATE_LIMIT_WINDOW: '0s' }, 'RATE_LIMIT_WINDOW must be whole seconds from 1s to 1d (30s, 1m, 1h), got "0s"'],
    [
      { API_KEYS: 'key-0123456789abcdef,short' },
      'API_KEYS must be keys of 16 to 256 visible ASCII characters separated by commas, got one of 5 characters',
    ],
    [
      { API_KEYS: 'key-0123456789abcdef,,' },
      'API_KEYS must be keys of 16 to 256 visible ASCII characters separated by commas, got one of 0 characters',
    ],
    [
      { DATABASE_FILE: '/var/lib/' },
      'DATABASE_FILE must be a file path such as /var/lib/catalog.sqlite, got "/var/lib/"',
    ],
    [{ REDIS_TIMEOUT: '0' }, 'REDIS_TIMEOUT must be a duration from 1 ms to 10 s (250ms, 5s), got "0"'],
    [{ REDIS_TIMEOUT: '1m' }, 'REDIS_TIMEOUT must be a duration from 1 ms to 10 s (250ms, 5s), got "1m"'],
    [{ REDIS_TIMEOUT: 'fast' }, 'REDIS_TIMEOUT must be a duration from 1 ms to 10 s (250ms, 5s), got "fast"'],
    [{ SHUTDOWN_DELAY: '-1s' }, 'SHUTDOWN_DELAY must be a duration from 0 ms to 300 s (250ms, 5s), got "-1s"'],
    [{ SHUTDOWN_DELAY: '30s' }, 'SHUTDOWN_TIMEOUT (25000 ms) must be longer than SHUTDOWN_DELAY (30000 ms)'],
    [
      { SHUTDOWN_DELAY: '5s', SHUTDOWN_TIMEOUT: '5s' },
      'SHUTDOWN_TIMEOUT (5000 ms) must be longer than SHUTDOWN_DELAY (5000 ms)',
    ],
    [
      { MAX_EVENT_LOOP_DELAY: '5ms' },
      'MAX_EVENT_LOOP_DELAY must be a duration from 10 ms to 60 s (250ms, 5s), got "5ms"',
    ],
    [
      { MAX_EVENT_LOOP_DELAY: 'never' },
      'MAX_EVENT_LOOP_DELAY must be a duration from 10 ms to 60 s (250ms, 5s), got "never"',
    ],
    [{ SHUTDOWN_TIMEOUT: '0' }, 'SHUTDOWN_TIMEOUT must be a duration from 1 ms to 600 s (250ms, 5s), got "0"'],
    ...['true', '10.0.0.0/33', 'loopback,localhost', '1.2.3'].map((value): [Record<string, string>, string] => [
      { TRUST_PROXY: value },
      `TRUST_PROXY must be a number of proxies (1) or addresses, subnets, loopback, linklocal, uniquelocal separated by commas (never "true": clients could forge X-Forwarded-For), got "${value}"`,
    ]),
  ])('rejects %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
