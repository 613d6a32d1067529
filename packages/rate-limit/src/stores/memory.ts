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

/**
 * The stores `memoryStore()` made. They answer within the same tick and cannot fail, so the
 * limiter calls them without arming a timeout timer per request.
 */
export const inProcessStores = new WeakSet<RateLimitStore>();

/** Per client key: the state of each policy, by policy name. */
type Entry = Map<string, number>;

/**
 * A bounded in-process store on `lru-cache`: one entry per client key, evicted least recently used
 * beyond `maxKeys`, and expired once every policy of the key has fully recovered (its TTL), so
 * dropping it loses no information. One instance only: use `redisStore()` across instances.
 */
export function memoryStore(options: MemoryStoreOptions = {}): RateLimitStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError(`memoryStore: "maxKeys" must be a positive integer, got ${String(maxKeys)}`);
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError(`memoryStore: "clock" must be a function returning milliseconds, got ${typeof options.clock}`);
  }
  const clock = options.clock ?? (() => performance.timeOrigin + performance.now());
  const cache = new LRUCache<string, Entry>({ max: maxKeys, ttlResolution: 0, perf: { now: clock } });

  const store: RateLimitStore = {
    name: 'memory',
    async hit(key: string, policies: readonly CompiledPolicy[], cost: number, operation: Operation): Promise<Decision> {
      const now = Math.round(clock() * 1000);
      const entry = cache.get(key);
      const stored = policies.map((policy) => entry?.get(policy.name));
      const { decision, writes } = decide(policies, stored, now, cost, operation);
      if (writes.some((write) => write !== undefined)) {
        // Updated in place (the decision is already made; nothing else runs in between).
        const next: Entry = entry ?? new Map();
        for (const [i, write] of writes.entries()) {
          const name = policies[i]?.name;
          if (write === undefined || name === undefined) continue;
          if (write.ttlUs > 0) next.set(name, write.state);
          else next.delete(name);
        }
        // The entry lives until its slowest policy has fully recovered.
        const ttlUs = Math.max(0, ...writes.map((write) => write?.ttlUs ?? 0));
        const remainingTtl = entry ? cache.getRemainingTTL(key) : 0;
        const ttlMs = Math.max(Math.ceil(ttlUs / 1000), Number.isFinite(remainingTtl) ? remainingTtl : 0);
        if (next.size === 0 || ttlMs <= 0) cache.delete(key);
        else cache.set(key, next, { ttl: ttlMs });
      }
      return decision;
    },
    async close(): Promise<void> {
      cache.clear();
    },
  };
  inProcessStores.add(store);
  return store;
}
