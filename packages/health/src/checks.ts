import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { parseDuration } from '@expresskit/core';
import type { CheckOutcome, HealthCheck, HealthStatus } from './runner.js';

/**
 * The part of an ioredis `Redis` or `Cluster` client that `redisCheck` uses (duck-typed, so
 * ioredis stays an optional peer).
 */
export interface RedisLike {
  /** ioredis connection status; only `ready` clients are PINGed. */
  readonly status: string;
  ping(): Promise<string>;
}

export interface RedisCheckOptions extends Omit<HealthCheck, 'check'> {}

/**
 * A check that PINGs an ioredis `Redis` or `Cluster` client and reports the round trip in ms.
 * A client that is not `ready` (connecting, reconnecting, closed) fails at once without queuing a
 * command, so a probe never waits on the offline queue; a PING that outlives the check's timeout
 * fails as a timeout.
 */
export function redisCheck(client: RedisLike, options: RedisCheckOptions = {}): HealthCheck {
  if (client === null || typeof client !== 'object' || typeof client.ping !== 'function') {
    throw new TypeError('redisCheck: "client" must be an ioredis Redis or Cluster client');
  }
  return {
    componentType: 'datastore',
    ...options,
    async check({ signal }): Promise<CheckOutcome> {
      if (client.status !== 'ready') throw new Error(`redis client is ${client.status}`);
      const started = performance.now();
      const reply = await abortable(client.ping(), signal);
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
      return { observedValue: Math.round((performance.now() - started) * 100) / 100, observedUnit: 'ms' };
    },
  };
}

/** Thresholds of a measured check: above `warn` → warn, above `fail` → fail. */
export interface ThresholdOptions<T> extends Omit<HealthCheck, 'check'> {
  /** Above this the check warns. @default no warning threshold */
  warn?: T;
  /** Above this the check fails. @default no failure threshold */
  fail?: T;
}

export interface EventLoopDelayCheckOptions extends ThresholdOptions<number | string> {
  /** Above this delay (ms or a duration) the check fails. @default '1s' */
  fail?: number | string;
  /** The percentile of the delays observed since the previous run that is compared. @default 99 */
  percentile?: number;
}

/**
 * A check of the event-loop delay (`perf_hooks.monitorEventLoopDelay`, its timer does not keep
 * the process alive) observed since the previous run, in ms. Call `close()` when done (the
 * `health()` router's `close()` does it for the checks it was given).
 */
export function eventLoopDelayCheck(options: EventLoopDelayCheckOptions = {}): HealthCheck & { close(): void } {
  const { warn, fail, percentile = 99, ...rest } = options;
  const warnMs = warn === undefined ? undefined : parseDuration(warn, 'eventLoopDelayCheck: "warn"');
  const failMs = parseDuration(fail ?? 1000, 'eventLoopDelayCheck: "fail"');
  if (!(percentile > 0 && percentile <= 100)) {
    throw new TypeError(`eventLoopDelayCheck: "percentile" must be in (0, 100], got ${String(percentile)}`);
  }
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    componentType: 'system',
    ...rest,
    check(): CheckOutcome {
      const observed = histogram.count > 0 ? Math.max(0, histogram.percentile(percentile) / 1e6 - 10) : 0;
      histogram.reset();
      const value = Math.round(observed * 100) / 100;
      return { status: against(value, warnMs, failMs), observedValue: value, observedUnit: 'ms' };
    },
    close: () => histogram.disable(),
  };
}

/** A check of V8's used heap in bytes. Thresholds are bytes, or a ratio (0–1) of the heap limit. */
export function heapCheck(options: ThresholdOptions<number> = {}): HealthCheck {
  const { warn, fail, ...rest } = options;
  checkBytes('heapCheck', 'warn', warn);
  checkBytes('heapCheck', 'fail', fail);
  return {
    componentType: 'system',
    ...rest,
    check(): CheckOutcome {
      const stats = getHeapStatistics();
      const limit = stats.heap_size_limit;
      const used = stats.used_heap_size;
      return {
        status: against(used, toBytes(warn, limit), toBytes(fail, limit)),
        observedValue: used,
        observedUnit: 'bytes',
      };
    },
  };
}

/** A check of the process's resident set size in bytes (thresholds in bytes). */
export function rssCheck(options: ThresholdOptions<number> = {}): HealthCheck {
  const { warn, fail, ...rest } = options;
  checkBytes('rssCheck', 'warn', warn, false);
  checkBytes('rssCheck', 'fail', fail, false);
  return {
    componentType: 'system',
    ...rest,
    check(): CheckOutcome {
      const rss = process.memoryUsage.rss();
      return { status: against(rss, warn, fail), observedValue: rss, observedUnit: 'bytes' };
    },
  };
}

/** Compares `value` with the thresholds (strictly above → warn / fail). */
export function against(value: number, warn: number | undefined, fail: number | undefined): HealthStatus {
  if (fail !== undefined && value > fail) return 'fail';
  if (warn !== undefined && value > warn) return 'warn';
  return 'pass';
}

function toBytes(threshold: number | undefined, limit: number): number | undefined {
  if (threshold === undefined) return undefined;
  return threshold <= 1 ? threshold * limit : threshold;
}

function checkBytes(name: string, option: string, value: unknown, ratio = true): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    const what = ratio ? 'a positive number of bytes or a ratio of the heap limit (0–1]' : 'a positive number of bytes';
    throw new TypeError(`${name}: "${option}" must be ${what}, got ${String(value)}`);
  }
}

/** Resolves or rejects with `promise`, or rejects with the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
