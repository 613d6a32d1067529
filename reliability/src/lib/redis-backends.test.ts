import { describe, expect, it } from 'vitest';
import { metricValue, percentile } from './redis-backends.js';

const EXPOSITION = `# HELP expresskit_rate_limit_decisions_total Rate-limit decisions.
# TYPE expresskit_rate_limit_decisions_total counter
expresskit_rate_limit_decisions_total{policy="per-hour",outcome="allowed"} 17
expresskit_rate_limit_decisions_total{policy="per-hour",outcome="limited"} 33
expresskit_rate_limit_decisions_total{policy="per-minute",outcome="allowed"} 4
expresskit_rate_limit_store_errors_total{store="redis"} 2
expresskit_rate_limit_store_errors_total{store="redis-fallback"} 1
process_uptime 12.5
`;

describe('metricValue', () => {
  it.each([
    ['expresskit_rate_limit_decisions_total', { policy: 'per-hour', outcome: 'allowed' }, 17],
    ['expresskit_rate_limit_decisions_total', { outcome: 'allowed' }, 21],
    ['expresskit_rate_limit_decisions_total', { policy: 'per-hour', outcome: 'shadow_limited' }, 0],
    ['expresskit_rate_limit_store_errors_total', {}, 3],
    ['process_uptime', {}, 12.5],
    ['expresskit_rate_limit', {}, 0],
  ])('%s %j → %d', (name, labels, value) => {
    expect(metricValue(EXPOSITION, name, labels)).toBe(value);
  });
});

describe('percentile', () => {
  it.each([
    [[], 50, 0],
    [[5], 99, 5],
    [[3, 1, 2, 4], 50, 2],
    [[3, 1, 2, 4], 75, 3],
    [[3, 1, 2, 4], 100, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
  ])('%j p%d → %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});
