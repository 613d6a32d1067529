/** Self time per request from V8 CPU profiles (`--cpu-prof`), and the comparison of two. */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  /** Node ids, one per sample. */
  samples: number[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
}

/** Samples that are not work: the process waiting for I/O. */
const IDLE = '(idle)';

/** `function file:line` (the last two path segments of the script). */
function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

/**
 * µs of self time per request for each function (idle excluded): samples × the mean sampling
 * interval of the profile, divided by the requests served while it ran.
 */
export function selfTimePerRequest(profile: CpuProfile, requests: number): Map<string, number> {
  if (!(requests > 0)) throw new RangeError(`selfTimePerRequest: requests must be > 0, got ${requests}`);
  const self = new Map<string, number>();
  if (profile.samples.length === 0) return self;
  const interval = (profile.endTime - profile.startTime) / profile.samples.length;
  const names = new Map(profile.nodes.map((node) => [node.id, frameName(node.callFrame)]));
  for (const id of profile.samples) {
    const name = names.get(id);
    if (name === undefined || name.startsWith(`${IDLE} `)) continue;
    self.set(name, (self.get(name) ?? 0) + interval / requests);
  }
  return self;
}

export interface SelfTimeDifference {
  name: string;
  a: number;
  b: number;
}

/** Every function of either table, the largest difference (either way) first. */
export function compareSelfTimes(a: Map<string, number>, b: Map<string, number>): SelfTimeDifference[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .map((name) => ({ name, a: a.get(name) ?? 0, b: b.get(name) ?? 0 }))
    .sort((x, y) => Math.abs(y.a - y.b) - Math.abs(x.a - x.b) || x.name.localeCompare(y.name));
}

function total(table: Map<string, number>): number {
  let sum = 0;
  for (const value of table.values()) sum += value;
  return sum;
}

/** The report: busy µs per request of each, then one line per function (difference, a, b). */
export function formatComparison(
  a: { name: string; requests: number; self: Map<string, number> },
  b: { name: string; requests: number; self: Map<string, number> },
  rows: readonly SelfTimeDifference[],
): string {
  const lines = [
    `busy CPU per request: ${a.name} ${total(a.self).toFixed(1)} µs (${a.requests} requests), ` +
      `${b.name} ${total(b.self).toFixed(1)} µs (${b.requests} requests)`,
    `${'a − b'.padStart(8)} ${'a'.padStart(8)} ${'b'.padStart(8)}  self µs per request`,
  ];
  for (const row of rows) {
    lines.push(
      `${(row.a - row.b).toFixed(2).padStart(8)} ${row.a.toFixed(2).padStart(8)} ${row.b.toFixed(2).padStart(8)}  ${row.name}`,
    );
  }
  return lines.join('\n');
}
