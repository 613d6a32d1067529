// --- response cache + stores (engineer B) ---
export type { CacheEntry } from './entry.js';
export type { ResponseCacheOptions, RouteCacheOptions } from './options.js';
export { type InvalidateSelector, type ResponseCache, responseCache } from './response-cache.js';
export type { CacheStore } from './store.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory.js';
export { type RedisCacheStore, type RedisStoreOptions, redisStore } from './stores/redis.js';

declare global {
  namespace Express {
    interface Response {
      /**
       * Attaches tags to the response `responseCache` is about to store, for
       * `cache.invalidate({ tags })`. Present on requests that went through `responseCache`.
       */
      cacheTags(...tags: string[]): this;
    }
  }
}

// --- end response cache ---

// --- etag + conditional requests (engineer A) ---
export {
  type ConditionalRequestHeaders,
  checkPreconditions,
  evaluatePreconditions,
  fresh,
  notModifiedHeaders,
  type PreconditionInput,
  type PreconditionResult,
  type Validators,
} from './conditional.js';
export {
  type EtagOptions,
  etag,
  type PreconditionErrorHandler,
  type ResourceValidators,
  requireIfMatch,
} from './etag.js';
export { strongEtag, weakEtag } from './hash.js';

declare global {
  namespace Express {
    interface Response {
      /**
       * Declares the current validators of the resource this request reads or changes and
       * evaluates the request's preconditions against them (RFC 9110 §13.2.2). Returns `true` to go
       * on; `false` when a 304 (GET/HEAD) or a 412 problem was already sent. For GET/HEAD the
       * validators are also set as `ETag`/`Last-Modified`. Added by `etag()`.
       */
      precondition(validators: import('./etag.js').ResourceValidators): boolean;
    }
  }
}
// --- end etag ---
