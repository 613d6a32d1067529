import type { CompiledPolicy, Decision, Operation } from '../gcra.js';

/**
 * Where rate-limit state lives. A store decides one request over all of its policies atomically
 * (all-or-nothing) and reports the outcome; `memoryStore()` and `redisStore()` implement it, and
 * `src/testing/contract.ts` is the suite every implementation must pass.
 */
export interface RateLimitStore {
  /** Names the store in events, e.g. `memory`, `redis`. */
  readonly name: string;
  /**
   * Applies `operation` for `key` to every policy at once. Rejects when the store cannot answer
   * (the limiter then applies its `onStoreError` policy).
   */
  hit(key: string, policies: readonly CompiledPolicy[], cost: number, operation: Operation): Promise<Decision>;
  /** Releases what the store owns (timers, its memory). Injected clients are left open. */
  close(): Promise<void>;
}
