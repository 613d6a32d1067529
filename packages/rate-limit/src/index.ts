import type { RateLimitInfo } from './options.js';

export type { Algorithm, CompiledPolicy, Decision, Operation, PolicyResult } from './gcra.js';
export type { StoreErrorPolicy } from './guard.js';
export type { HeadersMode } from './headers.js';
export type { RateLimitInfo, RateLimitOptions } from './options.js';
export type { Policy } from './policy.js';
export { rateLimit } from './rate-limit.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory.js';
export { type RedisStoreOptions, redisStore } from './stores/redis.js';
export type { RateLimitStore } from './stores/store.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by `@expresskit/rate-limit` once it has decided (the last limiter to run wins). */
      rateLimit?: RateLimitInfo;
    }
  }
}
