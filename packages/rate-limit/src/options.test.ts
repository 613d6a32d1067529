import { describe, expect, it } from 'vitest';
import type { RateLimitOptions } from './options.js';
import { rateLimit } from './rate-limit.js';
import { memoryStore } from './stores/memory.js';

const policy = { name: 'p', limit: 10, window: '1m' } as const;

describe('rateLimit: bad configuration throws at creation, naming the option', () => {
  it.each([
    [{ policies: { ...policy, limit: -1 } }, 'rateLimit: "policies.limit" must be a positive integer, got -1'],
    [
      { policies: [policy, { ...policy, name: 'q', limit: 1.5 }] },
      'rateLimit: "policies[1].limit" must be a positive integer, got 1.5',
    ],
    [{ policies: [] }, 'rateLimit: "policies" must be a policy or a non-empty array of policies, got object'],
    [{}, 'rateLimit: "policies" must be a policy or a non-empty array of policies, got undefined'],
    [{ policies: [policy, policy] }, 'rateLimit: "policies[1].name" must be unique, "p" repeats'],
    [
      { policies: { ...policy, name: 'a b' } },
      'rateLimit: "policies.name" must be 1-64 letters, digits or _ . : / -, got "a b"',
    ],
    [
      { policies: { ...policy, window: '500ms' } },
      'rateLimit: "policies.window" must be a whole number of seconds (the RateLimit headers count in seconds), got "500ms"',
    ],
    [
      { policies: { ...policy, window: 'soon' } },
      `rateLimit: "policies.window" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got "soon"`,
    ],
    [{ policies: { ...policy, burst: 0 } }, 'rateLimit: "policies.burst" must be a positive integer, got 0'],
    [
      { policies: { ...policy, algorithm: 'sliding' } },
      `rateLimit: "policies.algorithm" must be 'gcra' or 'fixed-window', got "sliding"`,
    ],
    [
      { policies: { ...policy, algorithm: 'fixed-window', burst: 3 } },
      `rateLimit: "policies.burst" only applies to the 'gcra' algorithm`,
    ],
    [{ policies: policy, cost: -1 }, 'rateLimit: "cost" must be a non-negative integer or a function, got -1'],
    [
      { policies: policy, headers: true },
      `rateLimit: "headers" must be one of 'draft', 'legacy', 'both', false, got true`,
    ],
    [{ policies: policy, mode: 'dry-run' }, `rateLimit: "mode" must be one of 'enforce', 'shadow', got "dry-run"`],
    [
      { policies: policy, count: 'errors' },
      `rateLimit: "count" must be one of 'all', 'failed', 'successful', got "errors"`,
    ],
    [
      { policies: policy, onStoreError: 'ignore' },
      `rateLimit: "onStoreError" must be one of 'fail-open', 'fail-closed', 'fallback', got "ignore"`,
    ],
    [{ policies: policy, storeTimeout: 0 }, 'rateLimit: "storeTimeout" must be at least 1ms, got 0'],
    [{ policies: policy, breaker: { failures: 0 } }, 'rateLimit: "breaker.failures" must be a positive integer, got 0'],
    [{ policies: policy, ipv6Subnet: 129 }, 'rateLimit: "ipv6Subnet" must be an integer from 1 to 128, got 129'],
    [{ policies: policy, key: 'ip' }, 'rateLimit: "key" must be a function, got "ip"'],
    [
      { policies: policy, fallbackStore: memoryStore() },
      `rateLimit: "fallbackStore" is only used with onStoreError: 'fallback', got "fail-open"`,
    ],
    [{ policies: policy, breaker: 3 }, 'rateLimit: "breaker" must be an object { failures, probeInterval }, got 3'],
    [
      { policies: policy, store: {} },
      'rateLimit: "store" must be a store such as memoryStore() or redisStore(), got object',
    ],
  ])('%j', (options, message) => {
    expect(() => rateLimit(options as unknown as RateLimitOptions)).toThrow(new TypeError(message));
  });

  it('accepts a complete configuration and does not mutate it', () => {
    const options: RateLimitOptions = {
      policies: [policy, { name: 'h', limit: 100, window: 3_600_000, algorithm: 'fixed-window' }],
      cost: 0,
      headers: false,
      mode: 'shadow',
      count: 'failed',
      onStoreError: 'fallback',
      storeTimeout: '100ms',
      breaker: { failures: 1, probeInterval: '5s' },
    };
    const copy = structuredClone(options);
    expect(typeof rateLimit(options)).toBe('function');
    expect(options).toEqual(copy);
  });
});
