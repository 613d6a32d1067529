import { CHANNELS, channel } from '@expresskit/core';
import { Deadlines, type Pending } from './deadlines.js';
import type { CompiledPolicy, Decision, Operation } from './gcra.js';
import { inProcessStores, type SyncHit } from './stores/memory.js';
import type { RateLimitStore } from './stores/store.js';

/** What the limiter does while its store cannot answer. */
export type StoreErrorPolicy = 'fail-open' | 'fail-closed' | 'fallback';

export interface GuardOptions {
  readonly store: RateLimitStore;
  readonly fallback: RateLimitStore | undefined;
  readonly policy: StoreErrorPolicy;
  readonly timeoutMs: number;
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  readonly probeIntervalMs: number;
  /** Milliseconds clock for the probe schedule (tests inject one). */
  readonly now?: () => number;
}

/** A decision, or the store error that the `onStoreError` policy must answer (`fail-open`/`fail-closed`). */
export type GuardOutcome =
  | { readonly decision: Decision; readonly source: 'store' | 'fallback' }
  | { readonly decision: undefined; readonly error: Error };

/** Receives the outcome of a store call (once). */
export type OutcomeCallback = (outcome: GuardOutcome) => void;

const events = channel(CHANNELS.rateLimit);

/** Rejects after `ms` (the timer is unref'd and cleared as soon as `promise` settles). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** One store call in flight: settled by the store's answer or by the timeout, whichever comes first. */
class Call implements Pending {
  deadline = 0;
  prev: Pending | undefined = undefined;
  next: Pending | undefined = undefined;
  settled = false;

  constructor(
    readonly guard: StoreGuard,
    readonly key: string,
    readonly policies: readonly CompiledPolicy[],
    readonly cost: number,
    readonly op: Operation,
    readonly probe: boolean,
    readonly done: OutcomeCallback,
  ) {}

  expire(): void {
    this.guard.settle(this, undefined, timedOut(this.guard));
  }
}

function timedOut(guard: StoreGuard): Error {
  return new Error(`${guard.options.store.name} store timed out after ${guard.options.timeoutMs} ms`);
}

const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/**
 * Calls the store with a timeout, behind a circuit breaker: after `failures` consecutive errors
 * or timeouts the circuit opens (`degraded`) and the store is left alone, except for one probe
 * request every `probeIntervalMs`; the first probe that succeeds closes it again (`recovered`).
 * While the store cannot answer, the `onStoreError` policy decides: a fallback store answers, or
 * the error is handed back for fail-open / fail-closed.
 *
 * The timeout costs nothing per call that is answered in time: calls in flight share one timer
 * (`Deadlines`), and the outcome goes to a callback, without a promise of the guard's own.
 */
export class StoreGuard {
  #consecutive = 0;
  #open = false;
  #probing = false;
  #lastProbe = 0;

  readonly #now: () => number;
  /** The built-in memory store's synchronous `hit`: no timeout, no promise (it answers in the same tick). */
  readonly #sync: SyncHit | undefined;
  readonly #deadlines: Deadlines;

  constructor(readonly options: GuardOptions) {
    this.#now = options.now ?? Date.now;
    this.#sync = inProcessStores.get(options.store);
    this.#deadlines = new Deadlines(options.timeoutMs);
  }

  /** Whether the circuit is open (the store is considered down). */
  get degraded(): boolean {
    return this.#open;
  }

  /** Store calls waiting for an answer (tests). */
  get inFlight(): number {
    return this.#deadlines.size;
  }

  /**
   * The outcome at once when the store is in-process (`memoryStore()`) and the circuit is closed:
   * the common case costs no promise and no microtask. Otherwise `undefined`, or the error the
   * in-process store threw (already counted as a failure): pass either on to `hitLater`.
   */
  hitNow(
    key: string,
    policies: readonly CompiledPolicy[],
    cost: number,
    op: Operation,
  ): GuardOutcome | Error | undefined {
    const sync = this.#sync;
    if (sync === undefined || this.#open) return undefined;
    let decision: Decision;
    try {
      decision = sync(key, policies, cost, op);
    } catch (thrown) {
      const error = asError(thrown);
      this.#failed(error);
      return error;
    }
    if (this.#consecutive !== 0) this.#succeeded();
    return { decision, source: 'store' };
  }

  /**
   * Asks the store (bounded by the timeout, unless it is in-process) and calls `done` once with
   * the outcome: from the store, from the fallback store, or the error for fail-open/fail-closed.
   * `done` may be called before `hitLater` returns (circuit open, no fallback). With `failed`
   * (what `hitNow` returned), the store is not asked again: the failure policy answers.
   */
  hitLater(
    key: string,
    policies: readonly CompiledPolicy[],
    cost: number,
    op: Operation,
    done: OutcomeCallback,
    failed?: Error,
  ): void {
    if (failed !== undefined) {
      this.#degrade(key, policies, cost, op, failed, done);
      return;
    }
    const { store, probeIntervalMs } = this.options;
    const probe = this.#open && !this.#probing && this.#now() - this.#lastProbe >= probeIntervalMs;
    if (this.#open && !probe) {
      this.#degrade(key, policies, cost, op, new Error(`${store.name} store is unavailable (circuit open)`), done);
      return;
    }
    if (probe) {
      this.#probing = true;
      this.#lastProbe = this.#now();
    }
    const call = new Call(this, key, policies, cost, op, probe, done);
    let answer: Promise<Decision>;
    try {
      answer = store.hit(key, policies, cost, op);
    } catch (thrown) {
      answer = Promise.reject(asError(thrown));
    }
    if (this.#sync === undefined) this.#deadlines.add(call);
    answer.then(
      (decision) => this.settle(call, decision, undefined),
      (error: unknown) => this.settle(call, undefined, asError(error)),
    );
  }

  /** `hitLater` as a promise. */
  hit(key: string, policies: readonly CompiledPolicy[], cost: number, op: Operation): Promise<GuardOutcome> {
    return new Promise((resolve) => this.hitLater(key, policies, cost, op, resolve));
  }

  /** The first of the store's answer and the timeout settles a call; the other is ignored. */
  settle(call: Call, decision: Decision | undefined, error: Error | undefined): void {
    if (call.settled) return;
    call.settled = true;
    if (this.#sync === undefined) this.#deadlines.remove(call);
    if (call.probe) this.#probing = false;
    if (decision !== undefined) {
      this.#succeeded();
      call.done({ decision, source: 'store' });
      return;
    }
    const failure = error ?? new Error(`${this.options.store.name} store gave no decision`);
    this.#failed(failure);
    this.#degrade(call.key, call.policies, call.cost, call.op, failure, call.done);
  }

  #succeeded(): void {
    this.#consecutive = 0;
    if (!this.#open) return;
    this.#open = false;
    this.#publish('recovered');
  }

  #failed(error: Error): void {
    this.#consecutive += 1;
    this.#publish('store-error', error);
    if (!this.#open && this.#consecutive >= this.options.failures) {
      this.#open = true;
      this.#lastProbe = this.#now();
      this.#publish('degraded', error);
    }
  }

  #degrade(
    key: string,
    policies: readonly CompiledPolicy[],
    cost: number,
    op: Operation,
    error: Error,
    done: OutcomeCallback,
  ): void {
    const { fallback } = this.options;
    if (fallback === undefined) {
      done({ decision: undefined, error });
      return;
    }
    let answer: Promise<Decision>;
    try {
      answer = fallback.hit(key, policies, cost, op);
    } catch (thrown) {
      answer = Promise.reject(asError(thrown));
    }
    answer.then(
      (decision) => done({ decision, source: 'fallback' }),
      // A failing (custom) fallback store must not turn into a 500: the request goes through.
      (fallbackError: unknown) => done({ decision: undefined, error: asError(fallbackError) }),
    );
  }

  #publish(type: 'store-error' | 'degraded' | 'recovered', error?: Error): void {
    if (!events.hasSubscribers) return;
    events.publish({
      type,
      store: this.options.store.name,
      policy: this.options.policy,
      ...(error === undefined ? {} : { error }),
    });
  }
}
