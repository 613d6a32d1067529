import { describe, expect, it } from 'vitest';
import { formatExposition, type MetricFamily } from './exposition.js';

const families: MetricFamily[] = [
  {
    name: 'jobs_total',
    help: 'Jobs run.\nSecond line with \\ backslash and "quotes".',
    type: 'counter',
    values: [{ value: 3, labels: { queue: 'a "quoted"\nname' } }],
  },
  {
    name: 'lat_seconds',
    help: 'Latency.',
    type: 'histogram',
    values: [
      { value: 1, labels: { le: 0.5 }, metricName: 'lat_seconds_bucket' },
      { value: 2, labels: { le: '+Inf' }, metricName: 'lat_seconds_bucket' },
      { value: 0.75, labels: {}, metricName: 'lat_seconds_sum' },
      { value: 2, labels: {}, metricName: 'lat_seconds_count' },
    ],
  },
  { name: 'temp', help: 'Temperature.', type: 'gauge', values: [{ value: Number.NaN, labels: {} }] },
];

describe('formatExposition', () => {
  it('renders the Prometheus text format 0.0.4', () => {
    expect(formatExposition(families, 'prometheus')).toBe(
      [
        '# HELP jobs_total Jobs run.\\nSecond line with \\\\ backslash and "quotes".',
        '# TYPE jobs_total counter',
        'jobs_total{queue="a \\"quoted\\"\\nname"} 3',
        '',
        '# HELP lat_seconds Latency.',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{le="0.5"} 1',
        'lat_seconds_bucket{le="+Inf"} 2',
        'lat_seconds_sum 0.75',
        'lat_seconds_count 2',
        '',
        '# HELP temp Temperature.',
        '# TYPE temp gauge',
        'temp NaN',
        '',
      ].join('\n'),
    );
  });

  it('renders OpenMetrics: counter families without _total, samples with it, and # EOF', () => {
    expect(formatExposition(families.slice(0, 1), 'openmetrics')).toBe(
      [
        '# HELP jobs Jobs run.\\nSecond line with \\\\ backslash and \\"quotes\\".',
        '# TYPE jobs counter',
        'jobs_total{queue="a \\"quoted\\"\\nname"} 3',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('renders an empty registry', () => {
    expect(formatExposition([], 'prometheus')).toBe('');
    expect(formatExposition([], 'openmetrics')).toBe('# EOF\n');
  });
});
