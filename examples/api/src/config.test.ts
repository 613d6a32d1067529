import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_CURSOR_SECRET, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has embedded defaults: port 3000, memory stores, 600 requests per minute, open /metrics', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      redisUrl: undefined,
      rateLimit: 600,
      cursorSecret: DEV_CURSOR_SECRET,
      metricsToken: undefined,
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
      }),
    ).toEqual({
      port: 8080,
      redisUrl: 'redis://cache:6379/0',
      rateLimit: 120,
      cursorSecret: 'a-long-enough-secret',
      metricsToken: 'scrape-me',
    });
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
  ])('rejects %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
