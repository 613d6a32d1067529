import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { CHANNELS, channel, ProblemError, parseDuration, problemType, sendProblem } from '@expresskit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { exceeded, type PressureLimits, type PressureSample } from './pressure.js';
import type { HealthCheck } from './runner.js';

export interface UnderPressureOptions {
  /** Shed load when the longest event-loop delay of a sample interval exceeds this; `false` turns it off. @default '1s' */
  maxEventLoopDelay?: number | string | false;
  /** Shed load when the event loop was busy more than this share (0–1] of a sample interval. @default off */
  maxEventLoopUtilization?: number;
  /** Shed load above this V8 used heap: bytes, or a ratio (0–1] of the heap limit. @default off */
  maxHeapUsed?: number;
  /** Shed load above this resident set size, in bytes. @default off */
  maxRss?: number;
  /** How often the process is measured (the timer is unref'd). @default '1s' */
  sampleInterval?: number | string;
  /** `Retry-After` of the 503 answer. @default '10s' */
  retryAfter?: number | string;
  /**
   * Requests never shed: paths (exact, query string ignored) or a predicate. Mount `health()`
   * before `underPressure()` and the probes never reach it anyway.
   * @default ['/health/live', '/health/ready', '/health/startup']
   */
  exclude?: readonly string[] | ((req: Request) => boolean);
  /** Replaces the 503 answer. @default sendProblem(res, problem) */
  onError?: (problem: ProblemError, req: Request, res: Response, next: NextFunction) => void;
}

export interface UnderPressureHandler extends RequestHandler {
  /** The limits exceeded by the latest sample; empty when the process is fine. */
  readonly exceeded: ReadonlyArray<keyof PressureSample>;
  /** The latest sample. */
  readonly sample: Readonly<PressureSample>;
  /** A readiness check that fails while the process is under pressure (opt in: add it to `checks`). */
  readonly check: HealthCheck;
  /** Stops sampling. */
  close(): void;
}

const events = channel(CHANNELS.health);
const RESOLUTION_MS = 10;

/** Answers 503 problem+json with `Retry-After` while event-loop delay, heap or RSS exceed their limits. */
export function underPressure(options: UnderPressureOptions = {}): UnderPressureHandler {
  const opts = validate(options);
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let sample: PressureSample = { eventLoopDelay: 0, eventLoopUtilization: 0, heapUsed: 0, rss: 0 };
  let over: Array<keyof PressureSample> = [];

  let lastMeasured = performance.now();
  let lastUtilization = performance.eventLoopUtilization();

  const measure = (): void => {
    // This timer's own lateness counts too, in case the histogram has not recorded a stall yet.
    const now = performance.now();
    const lateness = now - lastMeasured - opts.sampleInterval;
    lastMeasured = now;
    const recorded = histogram.count > 0 ? histogram.max / 1e6 - RESOLUTION_MS : 0;
    const delay = Math.max(0, recorded, lateness);
    histogram.reset();
    const utilization = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(utilization, lastUtilization).utilization;
    lastUtilization = utilization;
    sample = {
      eventLoopDelay: Math.round(delay),
      eventLoopUtilization: Math.round(busy * 1000) / 1000,
      heapUsed: getHeapStatistics().used_heap_size,
      rss: process.memoryUsage.rss(),
    };
    const next = exceeded(sample, opts.limits);
    if (next.length > 0 !== over.length > 0 && events.hasSubscribers) {
      events.publish({
        type: 'state',
        probe: 'pressure',
        status: next.length > 0 ? 'fail' : 'pass',
        previous: over.length > 0 ? 'fail' : 'pass',
      });
    }
    over = next;
  };
  // Measured in the check phase, once every timer due in this loop turn (the histogram's included)
  // has run.
  const timer = setInterval(() => setImmediate(measure).unref(), opts.sampleInterval).unref();

  // Built once: shedding must stay cheap exactly when the process is overloaded (an Error captures
  // a stack trace). ProblemError is read-only, so every shed request can share it.
  const problem = new ProblemError(503, {
    type: problemType('unavailable'),
    title: 'Service under pressure',
    detail: 'The server is overloaded; retry later.',
    headers: Object.freeze({ 'Retry-After': String(opts.retryAfter) }),
  });

  const handler = function underPressureMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (over.length === 0 || opts.exclude(req)) {
      next();
      return;
    }
    opts.onError(problem, req, res, next);
  };

  const check: HealthCheck = {
    componentType: 'system',
    critical: true,
    check: () => ({
      status: over.length > 0 ? 'fail' : 'pass',
      ...(over.length > 0 ? { output: `over the limit: ${over.join(', ')}` } : {}),
    }),
  };

  return Object.defineProperties(handler as UnderPressureHandler, {
    exceeded: { get: () => [...over] },
    sample: { get: () => ({ ...sample }) },
    check: { value: check },
    close: {
      value: () => {
        clearInterval(timer);
        histogram.disable();
      },
    },
  });
}

function validate(options: UnderPressureOptions) {
  const maxDelay =
    options.maxEventLoopDelay === false
      ? undefined
      : parseDuration(options.maxEventLoopDelay ?? 1000, 'underPressure: "maxEventLoopDelay"');
  const bytes = (name: string, value: number | undefined, ratio: boolean): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`underPressure: "${name}" must be a positive number of bytes, got ${String(value)}`);
    }
    return ratio && value <= 1 ? value * getHeapStatistics().heap_size_limit : value;
  };
  const utilization = options.maxEventLoopUtilization;
  if (utilization !== undefined && !(typeof utilization === 'number' && utilization > 0 && utilization <= 1)) {
    throw new TypeError(
      `underPressure: "maxEventLoopUtilization" must be a number in (0, 1], got ${String(utilization)}`,
    );
  }
  const limits: PressureLimits = {
    maxEventLoopDelay: maxDelay,
    maxEventLoopUtilization: utilization,
    maxHeapUsed: bytes('maxHeapUsed', options.maxHeapUsed, true),
    maxRss: bytes('maxRss', options.maxRss, false),
  };
  const sampleInterval = parseDuration(options.sampleInterval ?? 1000, 'underPressure: "sampleInterval"');
  if (sampleInterval < 10) {
    throw new TypeError(`underPressure: "sampleInterval" must be at least 10 ms, got ${sampleInterval}`);
  }
  const retryAfter = Math.ceil(parseDuration(options.retryAfter ?? 10_000, 'underPressure: "retryAfter"') / 1000);
  const exclude = options.exclude ?? ['/health/live', '/health/ready', '/health/startup'];
  let isExcluded: (req: Request) => boolean;
  if (typeof exclude === 'function') isExcluded = exclude;
  else if (Array.isArray(exclude) && exclude.every((path) => typeof path === 'string')) {
    const paths = new Set(exclude);
    isExcluded = (req) => {
      const url = req.originalUrl ?? req.url ?? '';
      const query = url.indexOf('?');
      return paths.has(query < 0 ? url : url.slice(0, query));
    };
  } else {
    throw new TypeError('underPressure: "exclude" must be an array of paths or a function');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`underPressure: "onError" must be a function, got ${typeof options.onError}`);
  }
  return {
    limits,
    sampleInterval,
    retryAfter,
    exclude: isExcluded,
    onError: options.onError ?? ((problem: ProblemError, _req: Request, res: Response) => sendProblem(res, problem)),
  } as const;
}
