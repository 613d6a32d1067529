import type { Row, TargetOutcome } from './runner/stats.js';

export interface ScenarioResult {
  id: string;
  title: string;
  about: string;
  baseline: string;
  unit: 'req/s' | 'ops/s';
  rows: Row[];
  targets: TargetOutcome[];
  /** Set when the scenario could not be measured (a server failed, a non-2xx was seen, …). */
  error?: string | undefined;
}

export interface RunInfo {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-minute load average when the run started and ended. */
  loadBefore: number;
  loadAfter: number;
  mode: string;
  rounds: number;
  duration: number;
  warmup: number;
  slices: number;
  connections: number;
  elapsedSeconds: number;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '–' : value.toFixed(digits));
const ratio = (value: number) => `${value.toFixed(2)}×`;
const optionalRatio = (value: number | undefined) => (value === undefined ? '–' : ratio(value));
/** A ratio next to its target: three decimals when two would round it onto (or across) the target. */
const targetRatio = (value: number, min: number) =>
  Math.abs(value - min) < 0.01 ? `${value.toFixed(3)}×` : ratio(value);

function labelOf(result: ScenarioResult, id: string): string {
  return result.rows.find((row) => row.id === id)?.label ?? id;
}

function table(result: ScenarioResult): string {
  const latency = result.unit === 'req/s';
  const head = latency
    ? [
        '| contender | req/s | p50 ms | p99 ms | ratio to baseline | CPU µs/req | CPU ratio |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ]
    : ['| contender | ops/s | ratio to baseline |', '| --- | ---: | ---: |'];
  const lines = result.rows.map((row) => {
    const name = row.id === result.baseline ? `${row.label} (baseline)` : row.label;
    return latency
      ? `| ${name} | ${fixed(row.rps, 0)} | ${fixed(row.p50, 1)} | ${fixed(row.p99, 1)} | ${ratio(row.ratio)} | ${fixed(row.cpu, 1)} | ${optionalRatio(row.cpuRatio)} |`
      : `| ${name} | ${fixed(row.rps, 1)} | ${ratio(row.ratio)} |`;
  });
  return [...head, ...lines].join('\n');
}

function targetLine(result: ScenarioResult, target: TargetOutcome): string {
  const cpu = target.cpuRatio === undefined ? '' : `; by CPU per request ${ratio(target.cpuRatio)}`;
  return `${labelOf(result, target.subject)} ÷ ${labelOf(result, target.reference)}: **${targetRatio(target.ratio, target.min)}** (target ≥ ${ratio(target.min)}) — ${target.met ? 'met' : '**not met**'}${cpu}`;
}

/** The paragraph under a scenario's table: what it measures, then the figures of this run. */
export function paragraph(result: ScenarioResult, rounds: number): string {
  if (result.error) return `${result.about}\n\nNot measured in this run: ${result.error}`;
  const figures = result.rows
    .filter((row) => row.id !== result.baseline)
    .map((row) => {
      const low = Math.min(...row.ratios);
      const high = Math.max(...row.ratios);
      const base = result.rows.find((other) => other.id === result.baseline);
      const cpu =
        row.cpuRatio === undefined || row.cpu === undefined || base?.cpu === undefined
          ? ''
          : `, and cost ${row.cpu.toFixed(1)} µs of server CPU per request against ${base.cpu.toFixed(1)} µs (CPU ratio ${ratio(row.cpuRatio)})`;
      return `${row.label} ran at ${ratio(row.ratio)} the baseline (${labelOf(result, result.baseline)}), median of ${rounds} same-round ratios ranging ${low.toFixed(2)}–${high.toFixed(2)}${cpu}`;
    });
  const verdicts = result.targets.map((target) => targetLine(result, target));
  const verdict =
    result.targets.length === 0
      ? 'There is no target for this scenario; it is a reference point.'
      : `Targets: ${verdicts.join('; ')}.`;
  return `${result.about}\n\nIn this run ${figures.join('; ')}. ${verdict}`;
}

/** RESULTS.md: the machine, the settings, a summary of the targets and per scenario a table and a paragraph. */
export function renderReport(info: RunInfo, results: readonly ScenarioResult[]): string {
  const targets = results.flatMap((result) =>
    result.error
      ? [`| ${result.title} | – | – | not measured | – |`]
      : result.targets.map(
          (target) =>
            `| ${result.title}: ${labelOf(result, target.subject)} ÷ ${labelOf(result, target.reference)} | ${targetRatio(target.ratio, target.min)} | ≥ ${ratio(target.min)} | ${target.met ? 'met' : '**not met**'} | ${optionalRatio(target.cpuRatio)} |`,
        ),
  );
  const sections = results.map((result) =>
    [`## ${result.title}`, '', result.error ? '' : table(result), '', paragraph(result, info.rounds)].join('\n'),
  );
  return [
    '# expresskit benchmark results',
    '',
    '<!-- Written by `pnpm bench` (bench/src/main.ts); do not edit by hand: rerun it. -->',
    '',
    `- Date: ${info.date}`,
    `- Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB.toFixed(1)} GiB, ${info.os}`,
    `- Node.js ${info.node}; load average ${info.loadBefore.toFixed(2)} at the start, ${info.loadAfter.toFixed(2)} at the end`,
    `- Mode: ${info.mode}: ${info.rounds} rounds; in each, new server processes (one per contender) warmed up together for ${info.warmup} s, then ${info.duration} s of load per contender in ${info.slices} slices run alternately (A B, B A, …; the order rotated each round); ${info.connections} connections, loopback; took ${Math.round(info.elapsedSeconds)} s`,
    '- req/s, p50 and p99 are medians over the rounds; a ratio is the median of the per-round ratios to the contender measured in the same round. Targets are judged on req/s.',
    "- CPU µs/req is the server process's CPU time (user + system) during the measured run divided by its responses: what one request costs the server, without the load generator that shares the machine. CPU ratio is the median of the per-round (baseline's CPU per request ÷ this one's): above 1.00× it costs less than the baseline, the same direction as the req/s ratio.",
    '',
    '## Targets',
    '',
    '| comparison | ratio | target | | CPU ratio |',
    '| --- | ---: | ---: | --- | ---: |',
    ...targets,
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
