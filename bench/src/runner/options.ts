import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  only: string[] | undefined;
  rounds: number;
  /** Seconds per contender per round. */
  duration: number;
  /** Seconds of excluded warm-up per contender. */
  warmup: number;
  /** Slices each contender's measured seconds of a round are cut into, interleaved. */
  slices: number;
  connections: number;
  /** Where the Markdown report goes (relative to bench/). */
  out: string;
}

export const USAGE = `Usage: pnpm bench [--quick] [--only <scenario>[,<scenario>…]] [--rounds n] [--duration s] [--warmup s] [--slices n] [--connections n] [--out file]
  --quick        smoke run: 3 rounds × 1 s per contender (≈ 2 min); writes RESULTS.quick.md
  --only         run only these scenarios (ids below); writes RESULTS.partial.md
  a full run (5 rounds × 3 s per contender in 6 interleaved slices, new server processes every
  round, ≈ 15 min) rewrites RESULTS.md`;

function positive(name: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new TypeError(`bench: "--${name}" must be a positive ${integer ? 'integer' : 'number'}, got ${text}`);
  }
  return value;
}

export function parseOptions(argv: readonly string[], scenarioIds: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      slices: { type: 'string' },
      connections: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick === true;
  const only = values.only
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = only?.filter((id) => !scenarioIds.includes(id)) ?? [];
  if (unknown.length > 0) {
    throw new TypeError(`bench: unknown scenario ${unknown.join(', ')}; known: ${scenarioIds.join(', ')}`);
  }
  const rounds = positive('rounds', values.rounds, quick ? 3 : 5, true);
  if (rounds < 3) throw new TypeError(`bench: "--rounds" must be at least 3, got ${rounds}`);
  const partial = quick || (only !== undefined && only.length < scenarioIds.length);
  return {
    quick,
    only,
    rounds,
    duration: positive('duration', values.duration, quick ? 1 : 3, false),
    warmup: positive('warmup', values.warmup, quick ? 0.5 : 2, false),
    slices: positive('slices', values.slices, quick ? 2 : 6, true),
    connections: positive('connections', values.connections, 10, true),
    out: values.out ?? (quick ? 'RESULTS.quick.md' : partial ? 'RESULTS.partial.md' : 'RESULTS.md'),
  };
}
