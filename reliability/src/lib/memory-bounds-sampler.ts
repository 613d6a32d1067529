/** Memory readings for scenario 5's child processes (started with `--expose-gc`). */

export interface MemoryReading {
  heapUsed: number;
  heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  external: number;
  rss: number;
}

/** Heap and RSS after forced full garbage collections: what the process really retains. */
export function settledMemory(): MemoryReading {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('memory bounds: start the child with --expose-gc');
  for (let i = 0; i < 4; i++) collect();
  const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
  return { heapUsed, heapTotal, external, rss };
}

/** Tracks the highest RSS seen: every `intervalMs` (an unref'd timer) and whenever `sample()` is called. */
export interface MemorySampler {
  sample(): void;
  readonly peakRss: number;
  /** The highest RSS since the previous `mark()` (or the start); starts a new segment. */
  mark(): number;
  stop(): void;
}

export function memorySampler(intervalMs = 100): MemorySampler {
  let peakRss = process.memoryUsage.rss();
  let segmentPeak = peakRss;
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
    if (rss > segmentPeak) segmentPeak = rss;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    sample,
    get peakRss() {
      return peakRss;
    },
    mark() {
      sample();
      const peak = segmentPeak;
      segmentPeak = 0;
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}
