import type { CacheEntry } from './entry.js';

/** One write of `setMany`. */
export interface StoreWrite {
  readonly key: string;
  readonly entry: CacheEntry;
  readonly retentionMs: number;
}

/**
 * What the response cache needs from a store. Every store passes the contract suite in
 * `src/testing/` (memory, Redis, Redis Cluster).
 */
export interface CacheStore {
  /** A short name for events and errors, e.g. `memory` or `redis`. */
  readonly name: string;
  /** The entry at `key`, unless missing, expired or invalidated through one of its tags. */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores `entry` at `key` for `retentionMs`, recording its tags. Replaces any entry at `key`. */
  set(key: string, entry: CacheEntry, retentionMs: number): Promise<void>;
  /**
   * Stores several entries at once (a `Vary` pointer and its variant), atomically where the backend
   * can and in one round trip. Without it, the cache calls `set` for each.
   */
  setMany?(writes: readonly StoreWrite[]): Promise<void>;
  /** Removes the entries at `keys`. */
  delete(keys: readonly string[]): Promise<void>;
  /** Invalidates every entry stored under any of `tags`. */
  invalidateTags(tags: readonly string[]): Promise<void>;
  /** Removes every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
  /** Removes every entry. */
  clear(): Promise<void>;
  /** `false` while the backend is known to be unreachable (the cache then skips it instead of waiting). */
  available?(): boolean;
  /** Releases timers and connections the store created (never the injected client). */
  close(): Promise<void>;
}
