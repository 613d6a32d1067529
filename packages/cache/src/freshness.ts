/** Pure SWR/SIE state machine: what a stored entry may be used for at a given time. */
import type { Lifetime } from './cache-control.js';

/**
 * - `fresh`: serve it.
 * - `stale`: past its lifetime but inside `stale-while-revalidate`: serve it and refresh in the background.
 * - `stale-if-error`: past both, but inside `stale-if-error`: forward, and serve it only if the handler fails.
 * - `expired`: unusable.
 */
export type EntryState = 'fresh' | 'stale' | 'stale-if-error' | 'expired';

export interface Timed extends Lifetime {
  /** When the entry was stored (epoch ms). */
  readonly storedAt: number;
}

export function entryState(entry: Timed, now: number): EntryState {
  const age = now - entry.storedAt;
  if (age < entry.ttl) return 'fresh';
  if (age < entry.ttl + entry.swr) return 'stale';
  if (age < entry.ttl + entry.sie) return 'stale-if-error';
  return 'expired';
}

/** Whether an entry in `state` can replace a failed (thrown / 5xx) handler response. */
export function usableOnError(entry: Timed, now: number): boolean {
  return now - entry.storedAt < entry.ttl + Math.max(entry.swr, entry.sie);
}

/** How long a store must keep the entry: its lifetime plus the longer stale window. */
export function retention(lifetime: Lifetime): number {
  return lifetime.ttl + Math.max(lifetime.swr, lifetime.sie);
}

/** The `Age` header value in whole seconds. */
export function ageSeconds(entry: Timed, now: number): number {
  return Math.max(0, Math.floor((now - entry.storedAt) / 1000));
}

/** Remaining freshness in whole seconds (negative once stale), for `Cache-Status: ttl=`. */
export function ttlSeconds(entry: Timed, now: number): number {
  const remaining = entry.storedAt + entry.ttl - now;
  return remaining >= 0 ? Math.floor(remaining / 1000) : -Math.ceil(-remaining / 1000);
}
