/** What the response cache knows about a GET/HEAD request once it decided to use the cache for it. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ConditionalRequestHeaders } from './conditional.js';
import type { CacheEntry } from './entry.js';

export interface CacheRequest {
  /** `GET` or `HEAD` (upper case). */
  readonly method: string;
  /** The base key (before `Vary`). */
  readonly base: string;
  /** The effective origin in the key, `undefined` with a custom key or `host: false`. */
  readonly origin: string | undefined;
  /** The request's precondition headers, taken out of `req.headers` (the handler must not see them). */
  readonly conditional: ConditionalRequestHeaders;
  /** A background refresh made by this cache (never served from the cache). */
  readonly revalidation: boolean;
}

/**
 * Where the asynchronous lookup continues after the synchronous L1 read:
 * - `all`: L1 cannot be read synchronously; look up `key` (the base key) in L1, then L2;
 * - `shared`: L1 has nothing at the base key `key`: look it up in L2;
 * - `variant`: L1 held the base key's `Vary` pointer but not the variant at `key`: look it up in L2;
 * - `done`: `entry` is what there is (undefined for a background refresh).
 */
export interface Lookup {
  readonly stage: 'all' | 'shared' | 'variant' | 'done';
  readonly key: string;
  readonly entry: CacheEntry | undefined;
}

const NO_CONDITIONS: ConditionalRequestHeaders = Object.freeze({});

/**
 * Moves `If-Match`, `If-None-Match`, `If-Modified-Since` and `If-Unmodified-Since` out of
 * `headers` (the handler of a miss must answer 200 for the cache to store, not 304/412); without
 * any of them, `headers` is left as it is.
 */
export function takeConditional(headers: IncomingHttpHeaders): ConditionalRequestHeaders {
  const ifMatch = headers['if-match'];
  const ifNoneMatch = headers['if-none-match'];
  const ifModifiedSince = headers['if-modified-since'];
  const ifUnmodifiedSince = headers['if-unmodified-since'];
  if (
    ifMatch === undefined &&
    ifNoneMatch === undefined &&
    ifModifiedSince === undefined &&
    ifUnmodifiedSince === undefined
  ) {
    return NO_CONDITIONS;
  }
  delete headers['if-match'];
  delete headers['if-none-match'];
  delete headers['if-modified-since'];
  delete headers['if-unmodified-since'];
  return {
    'if-match': ifMatch,
    'if-none-match': ifNoneMatch,
    'if-modified-since': ifModifiedSince,
    'if-unmodified-since': ifUnmodifiedSince,
  };
}
