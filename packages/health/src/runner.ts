import { parseDuration } from '@expresskit/core';

/** A check's status, as in the health+json draft. */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/** What a check's function receives. */
export interface CheckContext {
  /** Aborted when the check's timeout elapses; pass it on to `fetch`, database drivers, etc. */
  readonly signal: AbortSignal;
  /** The check's timeout in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * What a check may resolve with. Resolving at all (even with `undefined`) means `pass`; throwing
 * or rejecting means `fail` with the error's message as `output`.
 */
export interface CheckOutcome {
  /** @default 'pass' */
  status?: HealthStatus;
  /** The measured value, e.g. a latency. @default none */
  observedValue?: unknown;
  /** Unit of `observedValue`, e.g. `ms`, `bytes`, `percent`. @default none */
  observedUnit?: string;
  /** A message, e.g. why the check warns (shown only in detailed answers). @default none */
  output?: string;
}

/** Any async (or sync) function is a check. */
export type CheckFunction = (
  context: CheckContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: `async () => { await db.ping(); }` is a check
) => CheckOutcome | undefined | void | Promise<CheckOutcome | undefined | void>;

/** A check with its settings. */
export interface HealthCheck {
  check: CheckFunction;
  /** A failing critical check fails the probe (503); a failing non-critical one makes it `warn` (200). @default true */
  critical?: boolean;
  /** How long the check may take before it counts as failed. @default the probe's `timeout` (500 ms) */
  timeout?: number | string;
  /** How long a result is reused before the check runs again. @default the probe's `cacheTtl` (1 s) */
  cacheTtl?: number | string;
  /** `componentType` in health+json, e.g. `datastore`, `system`, `component`. @default none (built-in checks set one) */
  componentType?: string;
  /** `componentId` in health+json, e.g. a host name or a unique id of the dependency. @default none */
  componentId?: string;
}

/** One check's result; rendered as an entry of health+json `checks`. */
export interface CheckResult {
  /** `"<component>:<measurement>"` */
  readonly key: string;
  readonly status: HealthStatus;
  readonly critical: boolean;
  readonly componentType: string | undefined;
  readonly componentId: string | undefined;
  readonly observedValue: unknown;
  readonly observedUnit: string | undefined;
  readonly output: string | undefined;
  /** When the check finished, as an ISO 8601 date-time. */
  readonly time: string;
  readonly durationMs: number;
  readonly error: Error | undefined;
}

/** Time source and timers; injected so tests control time. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RunnerDefaults {
  /** Milliseconds. */
  timeout: number;
  /** Milliseconds. */
  cacheTtl: number;
}

interface Entry {
  readonly key: string;
  readonly check: CheckFunction;
  readonly critical: boolean;
  readonly timeout: number;
  readonly cacheTtl: number;
  readonly componentType: string | undefined;
  readonly componentId: string | undefined;
  result: CheckResult | undefined;
  expires: number;
  inflight: Promise<CheckResult> | undefined;
}

const KEY = /^[^:\s]+(?::[^:\s]+)?$/;

/** Raised (as the result's `error`) when a check outlives its timeout. */
export class CheckTimeoutError extends Error {
  constructor(key: string, ms: number) {
    super(`check "${key}" timed out after ${ms} ms`);
    this.name = 'CheckTimeoutError';
  }
}

/**
 * Runs a fixed set of checks with a timeout each, reuses results for `cacheTtl`, and coalesces
 * concurrent runs: callers that arrive while a check is running share that one execution.
 */
export class CheckRunner {
  readonly #entries: Entry[];
  readonly #clock: Clock;
  readonly #onResult: (result: CheckResult) => void;

  constructor(
    name: string,
    checks: Readonly<Record<string, CheckFunction | HealthCheck>>,
    defaults: RunnerDefaults,
    options: { clock?: Clock; onResult?: (result: CheckResult) => void } = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#onResult = options.onResult ?? (() => {});
    this.#entries = Object.entries(checks).map(([key, value]) => resolveEntry(name, key, value, defaults));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Results of every check, in declaration order: fresh cached ones or a new (shared) run. */
  run(): Promise<CheckResult[]> {
    return Promise.all(this.#entries.map((entry) => this.#result(entry)));
  }

  #result(entry: Entry): Promise<CheckResult> {
    if (entry.result && this.#clock.now() < entry.expires) return Promise.resolve(entry.result);
    if (entry.inflight) return entry.inflight;
    const inflight = this.#execute(entry).then(
      (result) => {
        entry.result = result;
        entry.expires = this.#clock.now() + entry.cacheTtl;
        entry.inflight = undefined;
        try {
          this.#onResult(result);
        } catch {
          // A reporting failure must not turn a finished check into a stuck or failed probe.
        }
        return result;
      },
      (error: unknown) => {
        // Never keep a rejected run as the shared in-flight promise: the next probe tries again.
        entry.inflight = undefined;
        throw error;
      },
    );
    entry.inflight = inflight;
    return inflight;
  }

  async #execute(entry: Entry): Promise<CheckResult> {
    const clock = this.#clock;
    const started = clock.now();
    const controller = new AbortController();
    let timer: unknown;
    const timedOut = new Promise<{ error: Error }>((resolve) => {
      timer = clock.setTimeout(() => {
        const error = new CheckTimeoutError(entry.key, entry.timeout);
        controller.abort(error);
        resolve({ error });
      }, entry.timeout);
    });
    const work = Promise.resolve()
      .then(() => entry.check({ signal: controller.signal, timeoutMs: entry.timeout }))
      .then(
        (outcome) => ({ outcome: typeof outcome === 'object' && outcome !== null ? outcome : {} }),
        (error: unknown) => ({ error: toError(error) }),
      );
    const settled = await Promise.race([work, timedOut]);
    clock.clearTimeout(timer);
    const finished = clock.now();
    const base = {
      key: entry.key,
      critical: entry.critical,
      componentType: entry.componentType,
      componentId: entry.componentId,
      time: new Date(finished).toISOString(),
      durationMs: finished - started,
    };
    if ('error' in settled) {
      return {
        ...base,
        status: 'fail',
        observedValue: undefined,
        observedUnit: undefined,
        output: String(settled.error.message),
        error: settled.error,
      };
    }
    const { outcome } = settled;
    return {
      ...base,
      status: isStatus(outcome.status) ? outcome.status : 'pass',
      observedValue: outcome.observedValue,
      // Only what health+json allows: a unit and an output are strings.
      observedUnit: typeof outcome.observedUnit === 'string' ? outcome.observedUnit : undefined,
      output: typeof outcome.output === 'string' ? outcome.output : undefined,
      error: undefined,
    };
  }
}

/** Overall status: a failing critical check fails; any other failure or warning warns. */
export function aggregate(results: readonly CheckResult[]): HealthStatus {
  let status: HealthStatus = 'pass';
  for (const result of results) {
    if (result.status === 'fail' && result.critical) return 'fail';
    if (result.status !== 'pass') status = 'warn';
  }
  return status;
}

function resolveEntry(name: string, key: string, value: CheckFunction | HealthCheck, defaults: RunnerDefaults): Entry {
  if (!KEY.test(key)) {
    throw new TypeError(
      `${name}: check name ${JSON.stringify(key)} must look like "<component>:<measurement>" (no spaces, at most one colon)`,
    );
  }
  const spec: HealthCheck = typeof value === 'function' ? { check: value } : value;
  if (spec === null || typeof spec !== 'object' || typeof spec.check !== 'function') {
    throw new TypeError(`${name}: check "${key}" must be a function or an object with a "check" function`);
  }
  if (spec.critical !== undefined && typeof spec.critical !== 'boolean') {
    throw new TypeError(`${name}: "critical" of check "${key}" must be a boolean, got ${typeof spec.critical}`);
  }
  const timeout =
    spec.timeout === undefined ? defaults.timeout : parseDuration(spec.timeout, `${name}: "timeout" of check "${key}"`);
  if (timeout <= 0) throw new TypeError(`${name}: "timeout" of check "${key}" must be positive, got ${timeout}`);
  return {
    key,
    check: spec.check,
    critical: spec.critical ?? true,
    timeout,
    cacheTtl:
      spec.cacheTtl === undefined
        ? defaults.cacheTtl
        : parseDuration(spec.cacheTtl, `${name}: "cacheTtl" of check "${key}"`),
    componentType: spec.componentType,
    componentId: spec.componentId,
    result: undefined,
    expires: 0,
    inflight: undefined,
  };
}

function isStatus(value: unknown): value is HealthStatus {
  return value === 'pass' || value === 'warn' || value === 'fail';
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  let text: string;
  try {
    text = String(value);
  } catch {
    text = Object.prototype.toString.call(value); // e.g. Object.create(null) has no toString
  }
  return new Error(`check failed: ${text}`);
}
