/** One measurement of the process's load. */
export interface PressureSample {
  /** Longest event-loop delay since the previous sample, ms. */
  eventLoopDelay: number;
  /** Share of the time since the previous sample the event loop was busy (0–1). */
  eventLoopUtilization: number;
  /** V8 used heap, bytes. */
  heapUsed: number;
  /** Resident set size, bytes. */
  rss: number;
}

/** Limits; `undefined` turns one off. */
export interface PressureLimits {
  maxEventLoopDelay: number | undefined;
  maxEventLoopUtilization: number | undefined;
  maxHeapUsed: number | undefined;
  maxRss: number | undefined;
}

/** Which limits `sample` exceeds (strictly above), in a fixed order; empty when none. */
export function exceeded(sample: PressureSample, limits: PressureLimits): Array<keyof PressureSample> {
  const over: Array<keyof PressureSample> = [];
  if (limits.maxEventLoopDelay !== undefined && sample.eventLoopDelay > limits.maxEventLoopDelay) {
    over.push('eventLoopDelay');
  }
  if (limits.maxEventLoopUtilization !== undefined && sample.eventLoopUtilization > limits.maxEventLoopUtilization) {
    over.push('eventLoopUtilization');
  }
  if (limits.maxHeapUsed !== undefined && sample.heapUsed > limits.maxHeapUsed) over.push('heapUsed');
  if (limits.maxRss !== undefined && sample.rss > limits.maxRss) over.push('rss');
  return over;
}
