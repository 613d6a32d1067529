import { channel } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatExposition, type MetricFamily } from './exposition.js';
import { type Metrics, metrics } from './metrics.js';
import { populatedMetrics } from './testing/populated.js';
import { describePromtool, promtool } from './testing/promtool.js';

/**
 * The only findings tolerated, all about prom-client's own default process metrics (names we do
 * not choose): prom-client exposes these three gauges with a `_total` suffix. Everything this
 * package names itself must pass with no finding at all.
 */
const PROM_CLIENT_DEFAULTS_ALLOW_LIST = [
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
];

function findings(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}

describePromtool('promtool check metrics', () => {
  const express5 = expressMajors[1]?.express;
  let m: Metrics;
  let text: string;
  beforeAll(async () => {
    if (express5 === undefined) throw new Error('no Express 5 in the matrix');
    ({ m, text } = await populatedMetrics(express5));
  });
  afterAll(() => m.close());

  it('finds nothing in the series this package names (every series populated)', () => {
    const ours = text
      .split('\n\n')
      .filter((block) => !/^# HELP (nodejs_|process_)/.test(block))
      .join('\n\n');
    expect(ours).toContain('expresskit_metrics_label_overflow_total{metric=');
    const result = promtool(['check', 'metrics'], ours);
    expect(findings(result.output)).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('finds only the allow-listed prom-client default-metric names in the whole output', () => {
    const result = promtool(['check', 'metrics'], text);
    const unexpected = findings(result.output).filter((line) => !PROM_CLIENT_DEFAULTS_ALLOW_LIST.includes(line));
    expect(unexpected).toEqual([]);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
  });

  it('finds nothing in output holding hostile label values (quotes, backslashes, newlines, braces)', async () => {
    const hostile = ['/q"uote', '/back\\slash', '/new\nline', '/{brace}=",\\n', '/\u00e9\u2028\u0000'];
    const h = metrics({ defaultMetrics: false });
    try {
      for (const route of hostile) channel('expresskit:cache').publish({ type: 'miss', route });
      for (const check of hostile) {
        channel('expresskit:health').publish({ type: 'check', check, status: 'pass', critical: false, durationMs: 1 });
      }
      const families = (await h.registry.getMetricsAsJSON()) as unknown as MetricFamily[];
      const text = formatExposition(families, 'prometheus');
      expect(text).toContain('http_route="/q\\"uote"');
      expect(text).toContain('http_route="/back\\\\slash"');
      expect(text).toContain('http_route="/new\\nline"');
      const result = promtool(['check', 'metrics'], text);
      expect(findings(result.output)).toEqual([]);
      expect(result.status).toBe(0);
    } finally {
      h.close();
    }
  });
});
