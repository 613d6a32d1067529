import type { ExpositionFormat } from './negotiate.js';

/** One metric family as prom-client's `getMetricsAsJSON()` returns it. */
export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  values: ReadonlyArray<{
    value: number;
    labels: Readonly<Record<string, string | number | undefined>>;
    metricName?: string;
  }>;
}

/** Prometheus text escapes `\` and newlines in HELP; OpenMetrics escapes double quotes too. */
function escapeHelp(help: string, open: boolean): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return open ? escaped.replace(/"/g, '\\"') : escaped;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * OpenMetrics 1.0 "Canonical Numbers" for `le` and `quantile` label values: Go's `%g` rendering
 * with `.0` appended when there is neither a decimal point nor an exponent (`1.0`, `0.005`,
 * `100000.0`, `1e+06`, `1e-05`, `+Inf`).
 */
export function canonicalNumber(value: string | number): string {
  const number = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && (value.trim() === '' || Number.isNaN(number))) return value;
  if (Number.isNaN(number)) return 'NaN';
  if (number === Number.POSITIVE_INFINITY) return '+Inf';
  if (number === Number.NEGATIVE_INFINITY) return '-Inf';
  const [mantissa = '0', exponentText = '0'] = number.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  const fixed = Object.is(number, -0) ? '-0' : String(number);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

function formatLabels(labels: Readonly<Record<string, string | number | undefined>>, open: boolean): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (value === undefined) continue;
    const text = open && (name === 'le' || name === 'quantile') ? canonicalNumber(value) : String(value);
    parts.push(`${name}="${escapeLabelValue(text)}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Renders metric families in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.0. In
 * OpenMetrics a counter family is named without its `_total` suffix and its samples with it, as
 * the specification requires, metadata is `# TYPE` then `# HELP`, and `le`/`quantile` label values
 * are canonical numbers (`le="1.0"`); the Prometheus format keeps the registered name and prom-client's
 * `le="1"` (as the Go client does). Pure: the metric
 * objects are not touched (prom-client's own OpenMetrics output renames counters in place).
 */
export function formatExposition(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const open = format === 'openmetrics';
  const blocks: string[] = [];
  for (const family of families) {
    const counter = family.type === 'counter';
    const familyName = open && counter ? family.name.replace(/_total$/, '') : family.name;
    const help = `# HELP ${familyName} ${escapeHelp(family.help, open)}`;
    const type = `# TYPE ${familyName} ${family.type}`;
    const lines = open ? [type, help] : [help, type]; // OpenMetrics: TYPE first (SHOULD)
    for (const sample of family.values) {
      const sampleName = sample.metricName ?? (open && counter ? `${familyName}_total` : family.name);
      lines.push(`${sampleName}${formatLabels(sample.labels, open)} ${formatValue(sample.value)}`);
    }
    blocks.push(lines.join('\n'));
  }
  if (open) return blocks.length === 0 ? '# EOF\n' : `${blocks.join('\n')}\n# EOF\n`;
  return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
}
