import { compileFields } from '@expresskit/fields';
import mask from 'json-mask';
import { CATALOG, FIELDS_MASK } from './payload.js';
import type { Sample } from './runner/stats.js';

/** The micro-benchmark's contenders: each call masks the 1,000-product array. */
export const MICRO_CONTENDERS = [
  { id: 'json-mask', label: 'json-mask `mask(array, mask)`', run: () => mask(CATALOG, FIELDS_MASK) },
  { id: 'ours', label: '`compileFields(mask).select(array)`', run: () => compileFields(FIELDS_MASK).select(CATALOG) },
  (() => {
    const compiled = mask.compile(FIELDS_MASK);
    return {
      id: 'json-mask-precompiled',
      label: 'json-mask `filter(array, compile(mask))`, compiled once',
      run: () => mask.filter(CATALOG, compiled),
    };
  })(),
  (() => {
    const compiled = compileFields(FIELDS_MASK);
    return {
      id: 'ours-precompiled',
      label: '`compiled.select(array)`, compiled once',
      run: () => compiled.select(CATALOG),
    };
  })(),
] as const;

export const MICRO_SCENARIO = {
  id: 'fields-micro',
  title: 'Micro-benchmark: compileFields vs json-mask on a 1,000-item array',
  baseline: 'json-mask',
  targets: [{ subject: 'ours', reference: 'json-mask', min: 2 }],
  about: `Masking the 1,000-product array with \`${FIELDS_MASK}\` in this process, contenders interleaved round by round. "ops/s" is whole-array selections per second; the target compares parse + apply per call for both, the "compiled once" rows show the apply step alone.`,
} as const;

let sink: unknown;

/** Calls `run` for about `ms` milliseconds and returns calls per second. */
function measure(run: () => unknown, ms: number): number {
  const start = performance.now();
  let calls = 0;
  let elapsed = 0;
  do {
    for (let i = 0; i < 10; i++) sink = run();
    calls += 10;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (calls * 1000) / elapsed;
}

/** Rounds of every contender for `sliceMs` each (after one warm-up slice), order rotated per round. */
export function runMicro(rounds: number, sliceMs: number): Map<string, Sample[]> {
  const samples = new Map<string, Sample[]>(MICRO_CONTENDERS.map((c) => [c.id, []]));
  for (const contender of MICRO_CONTENDERS) measure(contender.run, sliceMs / 2);
  for (let round = 0; round < rounds; round++) {
    const shift = round % MICRO_CONTENDERS.length;
    const order = [...MICRO_CONTENDERS.slice(shift), ...MICRO_CONTENDERS.slice(0, shift)];
    for (const contender of order) samples.get(contender.id)?.push({ rps: measure(contender.run, sliceMs) });
  }
  if (sink === undefined) throw new Error('unreachable');
  return samples;
}
