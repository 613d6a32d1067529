/** Two cache levels: a memory L1 in front of an optional shared L2, with timeouts and a bus. */
import { type Invalidation, type InvalidationBus, redisBus } from './bus.js';
import type { CacheEntry } from './entry.js';
import { retention } from './freshness.js';
import { publish } from './invalidation.js';
import type { InvalidationLog } from './invalidation-log.js';
import type { CacheStore } from './store.js';
import { syncRead } from './stores/memory.js';
import type { RedisCacheStore } from './stores/redis.js';

/** What `TieredCache.peek` returns when L1 cannot be read synchronously (a custom `memory` store). */
export const UNKNOWN: unique symbol = Symbol('unknown');

export interface TieredOptions {
  readonly l1: CacheStore;
  readonly l2: CacheStore | undefined;
  /** Upper bound of one L2 operation; past it the operation counts as failed. */
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly onError: (operation: string, error: Error, route: string | undefined) => void;
}

/**
 * `promise`, or a rejection after `ms`. The rejection waits for the check phase (`setImmediate`)
 * after the timer fires: the poll phase in between reads the sockets, so a Redis reply that arrived
 * while the process was busy (a long synchronous callback, a CPU-starved host) still wins.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const expire = (): void => reject(new Error(`cache: ${operation} timed out after ${ms} ms`));
    timer = setTimeout(() => setImmediate(expire), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export class TieredCache {
  readonly #options: TieredOptions;
  readonly #peek: ((key: string) => CacheEntry | undefined) | undefined;
  bus: InvalidationBus | undefined;
  #down = false;

  constructor(options: TieredOptions) {
    this.#options = options;
    this.#peek = syncRead(options.l1);
  }

  /** The L1 entry at `key` without waiting (a `memoryStore` L1), or `UNKNOWN` when L1 is async. */
  peek(key: string): CacheEntry | undefined | typeof UNKNOWN {
    return this.#peek === undefined ? UNKNOWN : this.#peek(key);
  }

  /** Runs an L2 operation; `undefined` when there is no L2, it is down, failed or timed out. */
  async #l2<T>(operation: string, run: (store: CacheStore) => Promise<T>, route?: string): Promise<T | undefined> {
    const { l2, timeoutMs, onError } = this.#options;
    if (!l2) return undefined;
    if (l2.available?.() === false) {
      if (!this.#down) {
        this.#down = true;
        onError(operation, new Error(`cache: the ${l2.name} store is unavailable; serving from memory only`), route);
      }
      return undefined;
    }
    try {
      const result = await withTimeout(run(l2), timeoutMs, operation);
      this.#down = false;
      return result;
    } catch (error) {
      onError(operation, toError(error), route);
      return undefined;
    }
  }

  async get(key: string, route?: string): Promise<CacheEntry | undefined> {
    const local = await this.#options.l1.get(key);
    if (local) return local;
    return this.shared(key, route);
  }

  /** The L2 entry at `key` (copied into L1 for the rest of its retention), after an L1 miss. */
  async shared(key: string, route?: string): Promise<CacheEntry | undefined> {
    const { l1, now } = this.#options;
    const shared = await this.#l2('l2-get', (store) => store.get(key), route);
    if (shared) {
      const left = shared.storedAt + retention(shared) - now();
      if (left > 0) await l1.set(key, shared, left);
    }
    return shared;
  }

  /** Stores `[key, entry]` pairs in L1, then in L2 with one `setMany` when the store has it. */
  async set(pairs: readonly (readonly [string, CacheEntry])[], route?: string): Promise<void> {
    const writes = pairs.map(([key, entry]) => ({ key, entry, retentionMs: retention(entry) }));
    for (const { key, entry, retentionMs } of writes) await this.#options.l1.set(key, entry, retentionMs);
    await this.#l2(
      'l2-set',
      async (store) => {
        if (store.setMany && writes.length > 1) await store.setMany(writes);
        else for (const { key, entry, retentionMs } of writes) await store.set(key, entry, retentionMs);
      },
      route,
    );
  }

  /** Applies `invalidation` to L1 (and, unless it came from the bus, to L2 and the bus). */
  async invalidate(invalidation: Invalidation, remote: boolean): Promise<void> {
    await applyTo(this.#options.l1, invalidation);
    if (remote) return;
    await this.#l2('l2-invalidate', (store) => applyTo(store, invalidation));
    const bus = this.bus;
    if (bus) await this.#l2('bus-publish', () => bus.publish(invalidation));
  }

  async flushL1(): Promise<void> {
    await this.#options.l1.clear();
  }
}

async function applyTo(store: CacheStore, invalidation: Invalidation): Promise<void> {
  if (invalidation.all) {
    await store.clear();
    return;
  }
  if (invalidation.keys && invalidation.keys.length > 0) await store.delete(invalidation.keys);
  if (invalidation.tags && invalidation.tags.length > 0) await store.invalidateTags(invalidation.tags);
  if (invalidation.prefix !== undefined) await store.deletePrefix(invalidation.prefix);
}

/**
 * The invalidation bus of `tiered` on the Redis store's client: remote invalidations are applied
 * to L1 and recorded in `log`; a (re)connect flushes L1, since pub/sub loses messages meanwhile.
 */
export function cacheBus(
  redis: RedisCacheStore,
  tiered: TieredCache,
  log: InvalidationLog,
  readyTimeoutMs: number,
): InvalidationBus {
  return redisBus(
    redis.client,
    `${redis.prefix}invalidate`,
    {
      onMessage: (invalidation) => {
        publish({ type: 'invalidate', ...invalidation, remote: true });
        log.record(invalidation);
        void tiered.invalidate(invalidation, true);
      },
      onConnect: () => {
        // Pub/sub loses what was published while disconnected: forget everything local.
        publish({ type: 'invalidate', all: true, remote: true });
        log.record({ all: true });
        void tiered.flushL1();
      },
      onError: (error) => publish({ type: 'error', route: undefined, operation: 'bus', error }),
    },
    readyTimeoutMs,
  );
}
