/** One contender's figures in one round. */
export interface Sample {
  /** Requests (or operations) per second. */
  rps: number;
  /** Latency percentiles in ms (`undefined` for micro-benchmarks). */
  p50?: number | undefined;
  p99?: number | undefined;
  /** Responses counted (HTTP scenarios). */
  requests?: number | undefined;
  /** Seconds the load ran (HTTP scenarios). */
  seconds?: number | undefined;
  /** The server process's CPU time per request in µs (`undefined` for micro-benchmarks). */
  cpu?: number | undefined;
}

/** One slice of a contender's measured time in a round (see `combineSlices`). */
export interface Slice {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  /** The server process's CPU time during the slice, µs. */
  cpuMicros: number;
}

/**
 * A contender's sample for a round from its slices: req/s and CPU per request from the totals
 * (Σ responses ÷ Σ seconds, Σ CPU ÷ Σ responses); p50 and p99 are the medians of the slices' own.
 */
export function combineSlices(slices: readonly Slice[]): Sample {
  if (slices.length === 0) throw new RangeError('a round needs at least one slice');
  let requests = 0;
  let seconds = 0;
  let cpuMicros = 0;
  for (const slice of slices) {
    requests += slice.requests;
    seconds += slice.seconds;
    cpuMicros += slice.cpuMicros;
  }
  return {
    rps: requests / seconds,
    requests,
    seconds,
    p50: median(slices.map((slice) => slice.p50)),
    p99: median(slices.map((slice) => slice.p99)),
    cpu: requests > 0 ? cpuMicros / requests : undefined,
  };
}

/**
 * The order of the contenders in slice `slice` of a round whose order is `order`: forwards, then
 * backwards, and so on (A B C, C B A, A B C …), so a drift within the round weighs on all alike.
 */
export function sliceOrder<T>(order: readonly T[], slice: number): T[] {
  return slice % 2 === 0 ? [...order] : [...order].reverse();
}

export interface Row {
  id: string;
  label: string;
  rps: number;
  p50: number | undefined;
  p99: number | undefined;
  /** Median over rounds of (this contender's req/s ÷ the baseline's in the same round). */
  ratio: number;
  /** The per-round ratios the median is taken of. */
  ratios: number[];
  /** Median over rounds of the server's CPU µs per request. */
  cpu: number | undefined;
  /**
   * Median over rounds of (the baseline's CPU per request ÷ this contender's, same round): above
   * 1 this contender costs less CPU per request. Same direction as `ratio`.
   */
  cpuRatio: number | undefined;
}

export interface TargetOutcome {
  subject: string;
  reference: string;
  min: number;
  ratio: number;
  /** The same comparison by server CPU per request (`cpuRatios`), when measured. */
  cpuRatio: number | undefined;
  met: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** subject ÷ reference, round by round (both measured in the same round, so under the same noise). */
export function roundRatios(subject: readonly Sample[], reference: readonly Sample[]): number[] {
  if (subject.length !== reference.length) throw new RangeError('both contenders need the same number of rounds');
  return subject.map((sample, i) => sample.rps / (reference[i] as Sample).rps);
}

/**
 * reference CPU per request ÷ subject CPU per request, round by round (above 1: the subject is
 * cheaper); `undefined` unless every sample of both has a CPU figure.
 */
export function cpuRatios(subject: readonly Sample[], reference: readonly Sample[]): number[] | undefined {
  if (subject.length !== reference.length) throw new RangeError('both contenders need the same number of rounds');
  const ratios: number[] = [];
  for (const [i, sample] of subject.entries()) {
    const own = sample.cpu;
    const ref = (reference[i] as Sample).cpu;
    if (own === undefined || ref === undefined || own <= 0) return undefined;
    ratios.push(ref / own);
  }
  return ratios;
}

function optionalMedian(values: ReadonlyArray<number | undefined>): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? undefined : median(defined);
}

/** The table of one scenario: medians per contender and the median same-round ratio to the baseline. */
export function summarize(
  contenders: ReadonlyArray<{ id: string; label: string }>,
  baseline: string,
  samples: ReadonlyMap<string, readonly Sample[]>,
): Row[] {
  const base = samples.get(baseline);
  if (!base) throw new RangeError(`no samples for the baseline "${baseline}"`);
  return contenders.map(({ id, label }) => {
    const own = samples.get(id);
    if (!own) throw new RangeError(`no samples for "${id}"`);
    const ratios = roundRatios(own, base);
    const cpu = cpuRatios(own, base);
    return {
      id,
      label,
      rps: median(own.map((sample) => sample.rps)),
      p50: optionalMedian(own.map((sample) => sample.p50)),
      p99: optionalMedian(own.map((sample) => sample.p99)),
      ratio: median(ratios),
      ratios,
      cpu: optionalMedian(own.map((sample) => sample.cpu)),
      cpuRatio: cpu === undefined ? undefined : median(cpu),
    };
  });
}

export function evaluateTargets(
  targets: ReadonlyArray<{ subject: string; reference: string; min: number }>,
  samples: ReadonlyMap<string, readonly Sample[]>,
): TargetOutcome[] {
  return targets.map(({ subject, reference, min }) => {
    const own = samples.get(subject);
    const ref = samples.get(reference);
    if (!own || !ref) throw new RangeError(`target ${subject}/${reference}: no samples`);
    const ratio = median(roundRatios(own, ref));
    const cpu = cpuRatios(own, ref);
    return { subject, reference, min, ratio, cpuRatio: cpu === undefined ? undefined : median(cpu), met: ratio >= min };
  });
}

/** The order contenders run in round `round`: rotated by one each round (A B C, B C A, C A B, …). */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
