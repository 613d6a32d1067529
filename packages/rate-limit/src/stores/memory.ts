import { LRUCache } from 'lru-cache';
import { type CompiledPolicy, type Decision, decide, type Operation } from '../gcra.js';
import type { RateLimitStore } from './store.js';

export interface MemoryStoreOptions {
  /**
   * At most this many client keys are kept; the least recently used is dropped first. A dropped
   * key starts again with a full quota, so size it above the number of clients active in one window.
   * @default 100_000
   */
  maxKeys?: number;
  /**
   * The clock, in (fractional) milliseconds since the epoch. Inject one in tests.
   * @default () => performance.timeOrigin + performance.now()
   */
  clock?: () => number;
}

/** The synchronous form of `hit` of an in-process store. */
export type SyncHit = (
  key: string,
  policies: readonly CompiledPolicy[],
  cost: number,
  operation: Operation,
) => Decision;

/**
 * The stores `memoryStore()` made, with their synchronous `hit`. They answer within the same tick,
 * so the limiter calls them directly: no timeout timer, no promise, no microtask per request.
 */
export const inProcessStores = new WeakMap<RateLimitStore, SyncHit>();

/**
 * Per client key: the state of each policy by policy name, and the time (µs) at which every one
 * of them has fully recovered. Past that time the entry holds nothing a new key would not.
 */
interface Entry {
  readonly states: Map<string, number>;
  expiresUs: number;
}

/**
 * A bounded in-process store on `lru-cache`: one entry per client key, evicted least recently used
 * beyond `maxKeys`, and expired once every policy of the key has fully recovered, so dropping it
 * loses no information. One instance only: use `redisStore()` across instances.
 *
 * The expiry is kept in the entry and compared with the time the request is decided at (the store
 * reads its clock once per request), rather than as an `lru-cache` TTL: no second clock read, and
 * no re-`set` of the key on every request.
 */
export function memoryStore(options: MemoryStoreOptions = {}): RateLimitStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError(`memoryStore: "maxKeys" must be a positive integer, got ${String(maxKeys)}`);
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError(`memoryStore: "clock" must be a function returning milliseconds, got ${typeof options.clock}`);
  }
  const origin = performance.timeOrigin;
  const clock = options.clock ?? (() => origin + performance.now());
  const cache = new LRUCache<string, Entry>({ max: maxKeys });

  const hitSync: SyncHit = (key, policies, cost, operation) => {
    const now = Math.round(clock() * 1000);
    const cached = cache.get(key);
    // Past its expiry every policy of the key has fully recovered: the entry says nothing.
    const entry = cached !== undefined && cached.expiresUs > now ? cached : undefined;
    const stored: (number | undefined)[] = [];
    for (const policy of policies) stored.push(entry?.states.get(policy.name));
    const { decision, writes } = decide(policies, stored, now, cost, operation);
    let target: Entry | undefined;
    let expiresUs = entry?.expiresUs ?? 0;
    for (let i = 0; i < writes.length; i++) {
      const write = writes[i];
      const name = policies[i]?.name;
      if (write === undefined || name === undefined) continue;
      if (target === undefined) {
        // An expired entry is reused (cleared) rather than deleted and set again.
        target = entry ?? cached ?? { states: new Map(), expiresUs: 0 };
        if (entry === undefined) target.states.clear();
      }
      if (write.ttlUs > 0) {
        target.states.set(name, write.state);
        // The entry lives until its slowest policy has fully recovered.
        if (now + write.ttlUs > expiresUs) expiresUs = now + write.ttlUs;
      } else target.states.delete(name);
    }
    if (target === undefined) {
      // Nothing written: a fully recovered key no longer takes the place of a live one.
      if (cached !== undefined && entry === undefined) cache.delete(key);
      return decision;
    }
    if (target.states.size === 0 || expiresUs <= now) {
      if (cached !== undefined) cache.delete(key);
      return decision;
    }
    target.expiresUs = expiresUs;
    // A cached entry is updated in place (`get` made it the most recently used).
    if (cached === undefined) cache.set(key, target);
    return decision;
  };

  const store: RateLimitStore = {
    name: 'memory',
    async hit(key: string, policies: readonly CompiledPolicy[], cost: number, operation: Operation): Promise<Decision> {
      return hitSync(key, policies, cost, operation);
    },
    async close(): Promise<void> {
      cache.clear();
    },
  };
  inProcessStores.set(store, hitSync);
  return store;
}
