import { describe, expect, it } from 'vitest';
import type { Decision } from './gcra.js';
import { policyHeader, rateLimitHeader, rateLimitHeaders, retryAfter } from './headers.js';
import { compilePolicies } from './policy.js';

const policies = compilePolicies([
  { name: 'burst', limit: 10, window: '1s' },
  { name: 'day', limit: 5000, window: '1d' },
]);

const limited: Decision = {
  allowed: false,
  policies: [
    { name: 'burst', conform: false, remaining: 0, resetUs: 1_000_000, retryUs: 100_001 },
    { name: 'day', conform: true, remaining: 4990, resetUs: 172_800_000, retryUs: 0 },
  ],
};

describe('headers', () => {
  it('RateLimit-Policy lists every policy with q and w (seconds)', () => {
    expect(policyHeader(policies)).toBe('"burst";q=10;w=1, "day";q=5000;w=86400');
  });

  it('RateLimit: r and t (seconds, rounded up); a violated policy reports when the request would fit', () => {
    expect(rateLimitHeader(limited)).toBe('"burst";r=0;t=1, "day";r=4990;t=173');
  });

  it('Retry-After is the latest retry of the violated policies, rounded up, never below their t', () => {
    expect(retryAfter(limited)).toBe(1);
    const two: Decision = {
      allowed: false,
      policies: [
        { name: 'burst', conform: false, remaining: 0, resetUs: 1_000_000, retryUs: 300_000 },
        { name: 'day', conform: false, remaining: 0, resetUs: 86_400_000_000, retryUs: 17_280_000_001 },
      ],
    };
    expect(retryAfter(two)).toBe(17_281);
    expect(rateLimitHeader(two)).toBe('"burst";r=0;t=1, "day";r=0;t=17281');
    const never: Decision = {
      allowed: false,
      policies: [{ ...two.policies[0], retryUs: -1 } as Decision['policies'][0]],
    };
    expect(retryAfter(never)).toBeUndefined();
  });

  it('legacy headers describe the violated policy, else the one with the fewest units left', () => {
    expect(rateLimitHeaders('legacy', policies, limited, 1_700_000_000_000)).toEqual({
      'X-RateLimit-Limit': '10',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1700000001',
    });
    const allowed: Decision = {
      allowed: true,
      policies: [
        { name: 'burst', conform: true, remaining: 9, resetUs: 100_000, retryUs: 0 },
        { name: 'day', conform: true, remaining: 3, resetUs: 86_000_000_000, retryUs: 0 },
      ],
    };
    expect(rateLimitHeaders('both', policies, allowed, 1_700_000_000_500)).toEqual({
      'RateLimit-Policy': '"burst";q=10;w=1, "day";q=5000;w=86400',
      RateLimit: '"burst";r=9;t=1, "day";r=3;t=86000',
      'X-RateLimit-Limit': '5000',
      'X-RateLimit-Remaining': '3',
      'X-RateLimit-Reset': '1700086001',
    });
    expect(rateLimitHeaders(false, policies, allowed, 0)).toEqual({});
  });
});
