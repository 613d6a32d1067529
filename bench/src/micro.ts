import { strongEtag } from '@expresskit/cache';
import { compileFields } from '@expresskit/fields';
import etagModule from 'etag';
import mask from 'json-mask';
import { CATALOG, FIELDS_MASK, PAYLOAD } from './payload.js';
import type { Sample } from './runner/stats.js';
import type { Target } from './scenarios.js';

/** One contender of a micro-benchmark: a call measured in this process. */
export interface MicroContender {
  id: string;
  label: string;
  run: () => unknown;
}

export interface MicroScenario {
  id: string;
  title: string;
  baseline: string;
  targets: readonly Target[];
  about: string;
  contenders: readonly MicroContender[];
}

/** The fields micro-benchmark's contenders: each call masks the 1,000-product array. */
export const MICRO_CONTENDERS: readonly MicroContender[] = [
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
];

/** The JSON bodies the ETag micro-benchmark tags, as the bytes Express sends. */
const PAGE_BYTES = Buffer.from(JSON.stringify(PAYLOAD));
const CATALOG_BYTES = Buffer.from(JSON.stringify(CATALOG));

export const MICRO_SCENARIOS: readonly MicroScenario[] = [
  {
    id: 'fields-micro',
    title: 'Micro-benchmark: compileFields vs json-mask on a 1,000-item array',
    baseline: 'json-mask',
    targets: [{ subject: 'ours', reference: 'json-mask', min: 2 }],
    about: `Masking the 1,000-product array with \`${FIELDS_MASK}\` in this process, contenders interleaved round by round. "ops/s" is whole-array selections per second; the target compares parse + apply per call for both, the "compiled once" rows show the apply step alone.`,
    contenders: MICRO_CONTENDERS,
  },
  ...(
    [
      ['etag-micro', 'the page body of the HTTP scenarios', PAGE_BYTES],
      ['etag-micro-catalog', 'the whole catalog as JSON', CATALOG_BYTES],
    ] as const
  ).map(([id, what, bytes]) => ({
    id,
    title: `Micro-benchmark: strong ETag of ${what} (${bytes.byteLength.toLocaleString('en')} bytes), ours vs Express’s \`etag\``,
    baseline: 'express',
    targets: [],
    about: `The tag alone, in this process, of the bytes Express sends for ${what}. Express’s \`etag\` module (what \`app.set('etag', 'strong')\` calls) hashes with SHA-1; \`strongEtag\` (what \`etag()\` sends) with XXH64 in WebAssembly.`,
    contenders: [
      { id: 'express', label: 'Express `etag(body)` (SHA-1)', run: () => etagModule(bytes) },
      { id: 'ours', label: '`strongEtag(body)` (XXH64)', run: () => strongEtag(bytes) },
    ],
  })),
];

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
export function runMicro(
  contenders: readonly MicroContender[],
  rounds: number,
  sliceMs: number,
): Map<string, Sample[]> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.id, []]));
  for (const contender of contenders) measure(contender.run, sliceMs / 2);
  for (let round = 0; round < rounds; round++) {
    const shift = round % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    for (const contender of order) samples.get(contender.id)?.push({ rps: measure(contender.run, sliceMs) });
  }
  if (sink === undefined) throw new Error('unreachable');
  return samples;
}
