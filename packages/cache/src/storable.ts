/** Pure storability rules: which requests may use the shared cache, which responses may be stored. */
import type { Directives } from './cache-control.js';

/** Why a request bypassed the cache or a response was not stored (the `reason` of cache events). */
export type BypassReason =
  | 'method'
  | 'authorization'
  | 'range'
  | 'skip'
  | 'status'
  | 'set-cookie'
  | 'no-store'
  | 'private'
  | 'no-cache'
  | 'vary-star'
  | 'event-stream'
  | 'streaming'
  | 'too-large'
  | 'no-lifetime';

export interface RequestFacts {
  readonly method: string;
  readonly authorization: boolean;
  readonly range: boolean;
}

/** Why the request must bypass the cache, or `undefined` when it may use it. */
export function requestBypass(facts: RequestFacts, shareAuthorized: boolean): BypassReason | undefined {
  const method = facts.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return 'method';
  if (facts.range) return 'range';
  if (facts.authorization && !shareAuthorized) return 'authorization';
  return undefined;
}

export interface ResponseFacts {
  readonly status: number;
  readonly directives: Directives;
  readonly setCookie: boolean;
  readonly vary: readonly string[];
  readonly contentType: string | undefined;
  readonly bodyBytes: number;
  /** The fresh lifetime the entry would get, in ms. */
  readonly ttl: number;
}

export interface StorePolicy {
  /** Which statuses may be stored. */
  readonly statuses: (status: number) => boolean;
  readonly maxBodyBytes: number;
}

/** The default storable statuses: every 2xx except 206 Partial Content. */
export function defaultStatuses(status: number): boolean {
  return status >= 200 && status < 300 && status !== 206;
}

/** Why the response must not be stored, or `undefined` when it may be. */
export function responseNotStorable(facts: ResponseFacts, policy: StorePolicy): BypassReason | undefined {
  if (!policy.statuses(facts.status)) return 'status';
  if (facts.setCookie) return 'set-cookie';
  if (facts.directives.has('no-store')) return 'no-store';
  if (facts.directives.has('private')) return 'private';
  if (facts.directives.has('no-cache')) return 'no-cache';
  if (facts.vary.includes('*')) return 'vary-star';
  if (facts.contentType?.toLowerCase().startsWith('text/event-stream')) return 'event-stream';
  if (facts.bodyBytes > policy.maxBodyBytes) return 'too-large';
  if (facts.ttl <= 0) return 'no-lifetime';
  return undefined;
}

/** Hop-by-hop and per-delivery headers that are never stored with an entry. */
export const UNSTORED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'date',
  'age',
  'x-cache',
  'cache-status',
  'set-cookie',
  'content-length',
]);
