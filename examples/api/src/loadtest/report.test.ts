import { describe, expect, it } from 'vitest';
import { cacheCounters, hitRatio, percentile, verdict } from './report.js';

describe('load test report', () => {
  it.each([
    [[], 0.5, Number.NaN],
    [[7], 0.95, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
    [[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.95, 10],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.99, 99],
  ])('percentile(%j, %d) = %d (nearest rank)', (values, q, expected) => {
    expect(percentile(values, q)).toBe(expected);
  });

  it('sums the cache counters by result across routes, ignoring other series', () => {
    const text = [
      '# HELP expresskit_cache_requests_total Cache lookups',
      '# TYPE expresskit_cache_requests_total counter',
      'expresskit_cache_requests_total{http_route="/products",result="hit"} 90',
      'expresskit_cache_requests_total{http_route="/products/:id",result="hit"} 10',
      'expresskit_cache_requests_total{http_route="/products",result="miss"} 5',
      'expresskit_cache_stores_total{http_route="/products"} 5',
    ].join('\n');
    expect(cacheCounters(text)).toEqual({ hit: 100, miss: 5 });
  });

  it('computes the hit ratio between two scrapes', () => {
    expect(hitRatio({ hit: 10, miss: 10 }, { hit: 100, miss: 20 })).toBe(0.9);
    expect(hitRatio({}, {})).toBeNaN();
  });

  it('passes when every KPI is met and fails on any miss', () => {
    const good = { requests: 10_000, durationS: 10, latenciesMs: [1, 2, 3], errors: 0, hitRatio: 0.95 };
    expect(verdict(good).passed).toBe(true);
    expect(verdict(good).lines[0]).toBe('requests      10000 in 10.0 s = 1000 req/s');
    expect(verdict({ ...good, latenciesMs: [600] }).passed).toBe(false);
    expect(verdict({ ...good, errors: 10 }).passed).toBe(false);
    expect(verdict({ ...good, hitRatio: 0.9 }).passed).toBe(false);
    expect(verdict({ ...good, errors: 10 }).lines).toContain('FAIL  error rate < 0.1 %: 0.100 %');
  });
});
