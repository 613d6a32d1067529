/** The pure part of `pnpm loadtest`: percentiles, the cache counters from /metrics, the KPI verdict. */

/** The KPIs of the seed guides the run is checked against. */
export const KPIS = { p95Ms: 500, errorRate: 0.001, hitRatio: 0.9 } as const;

/** The `q`-quantile (0–1) of `values` by the nearest-rank method; `NaN` when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** `expresskit_cache_requests_total` summed by `result` over every route, from Prometheus text. */
export function cacheCounters(metricsText: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const line of metricsText.split('\n')) {
    const match = /^expresskit_cache_requests_total\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const result = /result="([^"]*)"/.exec(match[1] ?? '')?.[1];
    if (result === undefined) continue;
    counters[result] = (counters[result] ?? 0) + Number(match[2]);
  }
  return counters;
}

/** Hits over lookups (hit + miss + stale) between two scrapes; `NaN` without lookups. */
export function hitRatio(before: Record<string, number>, after: Record<string, number>): number {
  const delta = (result: string): number => (after[result] ?? 0) - (before[result] ?? 0);
  const lookups = delta('hit') + delta('miss') + delta('stale');
  return lookups === 0 ? Number.NaN : delta('hit') / lookups;
}

export interface RunFigures {
  requests: number;
  durationS: number;
  latenciesMs: readonly number[];
  /** Responses that are failures: 5xx, 429 and any status the mix does not expect, plus socket errors and timeouts. */
  errors: number;
  hitRatio: number;
}

export interface Verdict {
  lines: string[];
  passed: boolean;
}

/** The summary lines and whether every KPI was met. */
export function verdict(figures: RunFigures): Verdict {
  const p50 = percentile(figures.latenciesMs, 0.5);
  const p95 = percentile(figures.latenciesMs, 0.95);
  const p99 = percentile(figures.latenciesMs, 0.99);
  const errorRate = figures.requests === 0 ? 1 : figures.errors / figures.requests;
  const checks = [
    { name: `p95 latency < ${KPIS.p95Ms} ms`, ok: p95 < KPIS.p95Ms, value: `${p95.toFixed(1)} ms` },
    {
      name: `error rate < ${(KPIS.errorRate * 100).toFixed(1)} %`,
      ok: errorRate < KPIS.errorRate,
      value: `${(errorRate * 100).toFixed(3)} %`,
    },
    {
      name: `cache hit ratio > ${KPIS.hitRatio * 100} %`,
      ok: figures.hitRatio > KPIS.hitRatio,
      value: `${(figures.hitRatio * 100).toFixed(1)} %`,
    },
  ];
  const lines = [
    `requests      ${figures.requests} in ${figures.durationS.toFixed(1)} s = ${(figures.requests / figures.durationS).toFixed(0)} req/s`,
    `latency       p50 ${p50.toFixed(1)} ms · p95 ${p95.toFixed(1)} ms · p99 ${p99.toFixed(1)} ms`,
    `errors        ${figures.errors} (${(errorRate * 100).toFixed(3)} %)`,
    `cache hits    ${(figures.hitRatio * 100).toFixed(1)} % of lookups (from /metrics)`,
    '',
    ...checks.map((check) => `${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.value}`),
  ];
  return { lines, passed: checks.every((check) => check.ok) };
}
