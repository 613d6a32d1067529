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

function formatLabels(labels: Readonly<Record<string, string | number | undefined>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (value === undefined) continue;
    parts.push(`${name}="${escapeLabelValue(String(value))}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Renders metric families in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.0. In
 * OpenMetrics a counter family is named without its `_total` suffix and its samples with it, as
 * the specification requires; the Prometheus format keeps the registered name. Pure: the metric
 * objects are not touched (prom-client's own OpenMetrics output renames counters in place).
 */
export function formatExposition(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const open = format === 'openmetrics';
  const blocks: string[] = [];
  for (const family of families) {
    const counter = family.type === 'counter';
    const familyName = open && counter ? family.name.replace(/_total$/, '') : family.name;
    const lines = [`# HELP ${familyName} ${escapeHelp(family.help, open)}`, `# TYPE ${familyName} ${family.type}`];
    for (const sample of family.values) {
      const sampleName = sample.metricName ?? (open && counter ? `${familyName}_total` : family.name);
      lines.push(`${sampleName}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
    blocks.push(lines.join('\n'));
  }
  if (open) return blocks.length === 0 ? '# EOF\n' : `${blocks.join('\n')}\n# EOF\n`;
  return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
}
