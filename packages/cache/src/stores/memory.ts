import { LRUCache } from 'lru-cache';
import { type CacheEntry, entrySize } from '../entry.js';
import type { CacheStore } from '../store.js';

export interface MemoryStoreOptions {
  /**
   * Upper bound of the memory the entries take (bodies, headers and bookkeeping), in bytes. The
   * least recently used entries are evicted first. An entry bigger than this is not stored.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
}

/** The synchronous read of each store `memoryStore()` made (for the response cache's L1 HIT path). */
const syncReads = new WeakMap<CacheStore, (key: string) => CacheEntry | undefined>();

/**
 * `store.get` without the promise, when `store` was made by `memoryStore()`; `undefined` for any
 * other store (which is then only read through its `get`).
 */
export function syncRead(store: CacheStore): ((key: string) => CacheEntry | undefined) | undefined {
  return syncReads.get(store);
}

/** A process-local, byte-bounded LRU store (`lru-cache`); tags are indexed, so invalidation is exact. */
export function memoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new TypeError(`memoryStore: "maxBytes" must be a positive integer, got ${String(maxBytes)}`);
  }
  const byTag = new Map<string, Set<string>>();
  const unindex = (key: string, entry: CacheEntry): void => {
    for (const tag of entry.tags) {
      const keys = byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) byTag.delete(tag);
    }
  };
  const lru = new LRUCache<string, CacheEntry>({
    maxSize: maxBytes,
    sizeCalculation: (entry) => Math.max(1, entrySize(entry)),
    dispose: (entry, key) => unindex(key, entry),
  });

  const store: CacheStore = {
    name: 'memory',
    async get(key) {
      return lru.get(key);
    },
    async set(key, entry, retentionMs) {
      if (retentionMs <= 0 || entrySize(entry) > maxBytes) {
        lru.delete(key);
        return;
      }
      lru.set(key, entry, { ttl: retentionMs });
      if (!lru.has(key)) return;
      for (const tag of entry.tags) {
        let keys = byTag.get(tag);
        if (!keys) {
          keys = new Set();
          byTag.set(tag, keys);
        }
        keys.add(key);
      }
    },
    async delete(keys) {
      for (const key of keys) lru.delete(key);
    },
    async invalidateTags(tags) {
      for (const tag of tags) {
        const keys = byTag.get(tag);
        if (!keys) continue;
        for (const key of [...keys]) lru.delete(key);
        byTag.delete(tag);
      }
    },
    async deletePrefix(prefix) {
      for (const key of [...lru.keys()]) if (key.startsWith(prefix)) lru.delete(key);
    },
    async clear() {
      lru.clear();
      byTag.clear();
    },
    available: () => true,
    async close() {
      lru.clear();
      byTag.clear();
    },
  };
  syncReads.set(store, (key) => lru.get(key));
  return store;
}
