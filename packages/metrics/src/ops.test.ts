import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expressMajors } from '@expresskit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metrics } from './metrics.js';
import { populatedMetrics } from './testing/populated.js';
import { exposedNames, metricNames, ruleExpressions } from './testing/promql.js';
import { describePromtool, promtool } from './testing/promtool.js';

const OPS = path.join(import.meta.dirname, '..', '..', '..', 'ops');
const RULES = path.join(OPS, 'prometheus', 'expresskit.rules.yml');
const RULE_TESTS = path.join(OPS, 'prometheus', 'expresskit.rules.test.yml');
const DASHBOARD = path.join(OPS, 'grafana', 'expresskit-dashboard.json');

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

describePromtool('ops/prometheus rules under promtool', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', RULES]);
    expect(result.output).toContain('SUCCESS: 18 rules found');
    expect(result.status).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const result = promtool(['test', 'rules', RULE_TESTS]);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });
});

describe('ops material uses exactly the series we emit', () => {
  const express5 = expressMajors[1]?.express;
  let m: Metrics;
  let exposed: Set<string>;
  beforeAll(async () => {
    if (express5 === undefined) throw new Error('no Express 5 in the matrix');
    const populated = await populatedMetrics(express5);
    m = populated.m;
    exposed = exposedNames(populated.text);
  });
  afterAll(() => m.close());

  it('extracts metric names from PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (http_route, le) (rate(a_bucket{job=~"$job",x="y z"}[$__rate_interval]))) / on (job) b_total > 0.5 and c:rec',
      ),
    ).toEqual(['a_bucket', 'b_total', 'c:rec']);
  });

  it('every Grafana expression names only metrics present in our output', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: Panel[];
      templating: { list: Array<{ definition?: string }> };
    };
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    for (const variable of dashboard.templating.list) {
      if (variable.definition !== undefined)
        exprs.push(variable.definition.replace(/^label_values\(([^,]+),.*$/, '$1'));
    }
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const used = new Set(exprs.flatMap(metricNames));
    const missing = [...used].filter((name) => !exposed.has(name));
    expect(missing).toEqual([]);
    for (const name of [
      'http_server_request_duration_seconds_bucket',
      'http_server_active_requests',
      'expresskit_cache_requests_total',
      'expresskit_rate_limit_decisions_total',
      'expresskit_health_check_status',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(used.has(name)).toBe(true);
    }
  });

  it('every rule expression names our metrics or a recording rule of the same file', () => {
    const { exprs, records } = ruleExpressions(readFileSync(RULES, 'utf8'));
    expect(exprs).toHaveLength(18);
    const known = new Set([...exposed, ...records]);
    const missing = exprs.flatMap(metricNames).filter((name) => !known.has(name));
    expect(missing).toEqual([]);
  });
});
