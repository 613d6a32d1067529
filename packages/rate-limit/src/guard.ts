import { CHANNELS, channel } from '@expresskit/core';
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

/**
 * Calls the store with a timeout, behind a circuit breaker: after `failures` consecutive errors
 * or timeouts the circuit opens (`degraded`) and the store is left alone, except for one probe
 * request every `probeIntervalMs`; the first probe that succeeds closes it again (`recovered`).
 * While the store cannot answer, the `onStoreError` policy decides: a fallback store answers, or
 * the error is handed back for fail-open / fail-closed.
 */
export class StoreGuard {
  #consecutive = 0;
  #open = false;
  #probing = false;
  #lastProbe = 0;

  readonly #now: () => number;
  /** The built-in memory store's synchronous `hit`: no timeout, no promise (it answers in the same tick). */
  readonly #sync: SyncHit | undefined;

  constructor(private readonly options: GuardOptions) {
    this.#now = options.now ?? Date.now;
    this.#sync = inProcessStores.get(options.store);
  }

  /** Whether the circuit is open (the store is considered down). */
  get degraded(): boolean {
    return this.#open;
  }

  /**
   * `hit`, answered synchronously when the store is in-process (`memoryStore()`) and the circuit
   * is closed: the common case costs no promise and no microtask. Otherwise the `hit` promise.
   */
  hitNow(
    key: string,
    policies: readonly CompiledPolicy[],
    cost: number,
    op: Operation,
  ): GuardOutcome | Promise<GuardOutcome> {
    const sync = this.#sync;
    if (sync === undefined || this.#open) return this.hit(key, policies, cost, op);
    try {
      const decision = sync(key, policies, cost, op);
      if (this.#consecutive !== 0) this.#succeeded();
      return { decision, source: 'store' };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.#failed(error);
      return this.#degrade(key, policies, cost, op, error);
    }
  }

  async hit(key: string, policies: readonly CompiledPolicy[], cost: number, op: Operation): Promise<GuardOutcome> {
    const { store, timeoutMs, probeIntervalMs } = this.options;
    const probe = this.#open && !this.#probing && this.#now() - this.#lastProbe >= probeIntervalMs;
    if (!this.#open || probe) {
      if (probe) {
        this.#probing = true;
        this.#lastProbe = this.#now();
      }
      try {
        const call = store.hit(key, policies, cost, op);
        const decision = await (this.#sync ? call : withTimeout(call, timeoutMs, `${store.name} store`));
        this.#succeeded();
        return { decision, source: 'store' };
      } catch (error) {
        this.#failed(error instanceof Error ? error : new Error(String(error)));
        return this.#degrade(key, policies, cost, op, error instanceof Error ? error : new Error(String(error)));
      } finally {
        if (probe) this.#probing = false;
      }
    }
    return this.#degrade(key, policies, cost, op, new Error(`${store.name} store is unavailable (circuit open)`));
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

  async #degrade(
    key: string,
    policies: readonly CompiledPolicy[],
    cost: number,
    op: Operation,
    error: Error,
  ): Promise<GuardOutcome> {
    const { fallback } = this.options;
    if (fallback === undefined) return { decision: undefined, error };
    try {
      return { decision: await fallback.hit(key, policies, cost, op), source: 'fallback' };
    } catch (fallbackError) {
      // A failing (custom) fallback store must not turn into a 500: the request goes through.
      return {
        decision: undefined,
        error: fallbackError instanceof Error ? fallbackError : new Error(String(fallbackError)),
      };
    }
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
