import { describe, expect, it } from 'vitest';
import { canonicalNumber, formatExposition, type MetricFamily } from './exposition.js';

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

  it('renders OpenMetrics: TYPE then HELP, counter families without _total, samples with it, canonical le, # EOF', () => {
    expect(formatExposition(families, 'openmetrics')).toBe(
      [
        '# TYPE jobs counter',
        '# HELP jobs Jobs run.\\nSecond line with \\\\ backslash and \\"quotes\\".',
        'jobs_total{queue="a \\"quoted\\"\\nname"} 3',
        '# TYPE lat_seconds histogram',
        '# HELP lat_seconds Latency.',
        'lat_seconds_bucket{le="0.5"} 1',
        'lat_seconds_bucket{le="+Inf"} 2',
        'lat_seconds_sum 0.75',
        'lat_seconds_count 2',
        '# TYPE temp gauge',
        '# HELP temp Temperature.',
        'temp NaN',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('renders le and quantile as OpenMetrics canonical numbers (the specification examples)', () => {
    const spec: Array<[number | string, string]> = [
      [0, '0.0'],
      [0.001, '0.001'],
      [0.005, '0.005'],
      [0.95, '0.95'],
      [0.999, '0.999'],
      [1, '1.0'],
      [1.7, '1.7'],
      [10, '10.0'],
      [1e-10, '1e-10'],
      [1e-9, '1e-09'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [100000, '100000.0'],
      [1e6, '1e+06'],
      [1e10, '1e+10'],
      [1e23, '1e+23'],
      [1.1e23, '1.1e+23'],
      [Number.POSITIVE_INFINITY, '+Inf'],
      ['+Inf', '+Inf'],
      ['2.5', '2.5'],
    ];
    expect(spec.map(([value]) => canonicalNumber(value))).toEqual(spec.map(([, expected]) => expected));
    const histogram: MetricFamily = {
      name: 'd_seconds',
      help: 'D.',
      type: 'histogram',
      values: [1, 10, '+Inf'].map((le) => ({ value: 0, labels: { route: '/1', le }, metricName: 'd_seconds_bucket' })),
    };
    expect(formatExposition([histogram], 'openmetrics').split('\n').slice(2, 5)).toEqual([
      'd_seconds_bucket{route="/1",le="1.0"} 0',
      'd_seconds_bucket{route="/1",le="10.0"} 0',
      'd_seconds_bucket{route="/1",le="+Inf"} 0',
    ]);
    expect(formatExposition([histogram], 'prometheus').split('\n').slice(2, 4)).toEqual([
      'd_seconds_bucket{route="/1",le="1"} 0',
      'd_seconds_bucket{route="/1",le="10"} 0',
    ]);
  });

  it('renders an empty registry', () => {
    expect(formatExposition([], 'prometheus')).toBe('');
    expect(formatExposition([], 'openmetrics')).toBe('# EOF\n');
  });
});
