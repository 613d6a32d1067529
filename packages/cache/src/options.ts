/** Options of `responseCache`, resolved and validated once at creation. */

import type { ProblemError } from '@expresskit/core';
import { type Duration, parseDuration, sendProblem } from '@expresskit/core';
import type { Request, Response } from 'express';
import type { Lifetime } from './cache-control.js';
import type { QueryKeyPolicy } from './key.js';
import { defaultStatuses } from './storable.js';
import type { CacheStore } from './store.js';
import type { Encoding } from './variants.js';

/** Per-route behaviour; every field can be overridden with `cache.with({ … })`. */
export interface RouteCacheOptions {
  /** Shared-cache lifetime of a response whose handler set no `s-maxage`/`max-age`. @default '1m' */
  ttl?: Duration;
  /** `max-age` for browsers in the generated `Cache-Control` (0: they revalidate with the ETag). @default 0 */
  maxAge?: Duration;
  /** RFC 5861: serve a stale entry this long after `ttl` while one background request refreshes it. @default 0 */
  staleWhileRevalidate?: Duration;
  /** RFC 5861: serve a stale entry this long after `ttl` when the handler throws or answers 5xx. @default 0 */
  staleIfError?: Duration;
  /** Set `Cache-Control` (`public, max-age, s-maxage, stale-*`) when the handler set none. @default true */
  cacheControl?: boolean;
  /** Query parameters in the key: only `allow`ed ones, or all but `deny`ed ones. @default all, sorted */
  query?: { allow?: readonly string[]; deny?: readonly string[] };
  /** Custom key (replaces method + origin + path + canonical query; `Vary` still applies). @default undefined */
  key?: (req: Request) => string;
  /**
   * Put the request's effective origin (`req.protocol` + `Host`, or `X-Forwarded-Host` under a
   * trusting `trust proxy`) in the key, so a forged `Host` cannot store a response (absolute links,
   * redirects) that other hosts are then served. `false` shares entries between all hosts (only
   * when responses never depend on the host). Ignored with a custom `key`. @default true
   */
  host?: boolean;
  /** Tags every stored response of the route gets (handlers add more with `res.cacheTags()`). @default [] */
  tags?: readonly string[] | ((req: Request) => readonly string[]);
  /** Statuses that may be stored. @default every 2xx except 206 */
  statuses?: readonly number[];
  /** Largest body stored, in bytes; bigger responses pass through uncached. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Share responses to requests with `Authorization` between users. @default false */
  shareAuthorized?: boolean;
  /** Bypass the cache for a request when this returns `true`. @default undefined */
  skip?: (req: Request) => boolean;
  /** Successful POST/PUT/PATCH/DELETE invalidate their path, `Location` and `Content-Location` (RFC 9111 §4.4). @default true */
  invalidateOnUnsafe?: boolean;
}

export interface ResponseCacheOptions extends RouteCacheOptions {
  /** The shared second level, e.g. `redisStore({ client })`. @default undefined (memory only) */
  store?: CacheStore | undefined;
  /** The first level (per process). `false` disables it (only sensible with `store`). @default memoryStore({ maxBytes: 64 MiB }) */
  memory?: CacheStore | false;
  /** Keep L1 coherent through Redis pub/sub when `store` is a Redis store. @default true */
  bus?: boolean;
  /** Compressed variants served from the cache: `false`, or encodings and minimum size. @default { encodings: ['br', 'gzip'], threshold: 1024 } */
  compress?: boolean | { encodings?: readonly Encoding[]; threshold?: number };
  /** Upper bound of one L2 (Redis) operation; slower ones count as failed. @default '250ms' */
  timeout?: Duration;
  /** Cache name in `Cache-Status` (RFC 9211). @default 'expresskit' */
  name?: string;
  /**
   * Longest wait of `cache.ready` for the invalidation bus subscription; past it `ready` resolves
   * with an `error` event (`operation: 'bus'`) and the bus keeps trying. @default '5s'
   */
  readyTimeout?: Duration;
  /**
   * Sends the one error response the cache itself produces: **412** problem+json when a cached
   * GET/HEAD fails its `If-Match` / `If-Unmodified-Since`. Replace it to render your own format.
   * @default sendProblem(res, problem)
   */
  onError?: (problem: ProblemError, req: Request, res: Response) => void;
  /** Clock (epoch ms), for tests. @default Date.now */
  now?: () => number;
}

export interface ResolvedRoute {
  readonly lifetime: Lifetime;
  readonly maxAge: number | undefined;
  readonly query: QueryKeyPolicy;
  readonly key: ((req: Request) => string) | undefined;
  readonly host: boolean;
  readonly tags: (req: Request) => readonly string[];
  readonly statuses: (status: number) => boolean;
  readonly maxBodyBytes: number;
  readonly shareAuthorized: boolean;
  readonly skip: ((req: Request) => boolean) | undefined;
  readonly invalidateOnUnsafe: boolean;
}

function fail(option: string, rule: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new TypeError(`responseCache: "${option}" must be ${rule}, got ${shown}`);
}

function stringList(option: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    fail(option, 'an array of strings', value);
  return value;
}

function fn<T>(option: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'a function', value);
  return value;
}

export function resolveRoute(options: RouteCacheOptions, base?: ResolvedRoute): ResolvedRoute {
  const duration = (name: keyof RouteCacheOptions, fallback: number): number =>
    options[name] === undefined ? fallback : parseDuration(options[name], `responseCache: "${name}"`);
  const ttl = duration('ttl', base?.lifetime.ttl ?? 60_000);
  const maxBodyBytes = options.maxBodyBytes ?? base?.maxBodyBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) fail('maxBodyBytes', 'a positive integer', maxBodyBytes);
  const statuses = options.statuses;
  if (
    statuses !== undefined &&
    (!Array.isArray(statuses) || !statuses.every((s) => Number.isInteger(s) && s >= 200 && s < 600))
  ) {
    fail('statuses', 'an array of HTTP status codes', statuses);
  }
  const allow = stringList('query.allow', options.query?.allow);
  const deny = stringList('query.deny', options.query?.deny);
  if (options.host !== undefined && typeof options.host !== 'boolean') fail('host', 'a boolean', options.host);
  const tags = options.tags;
  if (tags !== undefined && typeof tags !== 'function') stringList('tags', tags);
  const cacheControl = options.cacheControl ?? (base ? base.maxAge !== undefined : true);
  const maxAge = duration('maxAge', base?.maxAge ?? 0);
  return {
    lifetime: {
      ttl,
      swr: duration('staleWhileRevalidate', base?.lifetime.swr ?? 0),
      sie: duration('staleIfError', base?.lifetime.sie ?? 0),
    },
    maxAge: cacheControl ? maxAge : undefined,
    query:
      allow || deny
        ? { allow: allow ? new Set(allow) : undefined, deny: deny ? new Set(deny) : undefined }
        : (base?.query ?? {}),
    key: fn('key', options.key) ?? base?.key,
    host: options.host ?? base?.host ?? true,
    tags:
      tags === undefined
        ? (base?.tags ?? (() => []))
        : typeof tags === 'function'
          ? (fn('tags', tags) as (req: Request) => readonly string[])
          : () => tags as readonly string[],
    statuses: statuses ? (status) => statuses.includes(status) : (base?.statuses ?? defaultStatuses),
    maxBodyBytes,
    shareAuthorized: options.shareAuthorized ?? base?.shareAuthorized ?? false,
    skip: fn('skip', options.skip) ?? base?.skip,
    invalidateOnUnsafe: options.invalidateOnUnsafe ?? base?.invalidateOnUnsafe ?? true,
  };
}

export function resolveCompress(value: ResponseCacheOptions['compress']): {
  encodings: readonly Encoding[] | undefined;
  threshold: number;
} {
  if (value === false) return { encodings: undefined, threshold: 0 };
  if (value === undefined || value === true) return { encodings: ['br', 'gzip'], threshold: 1024 };
  if (typeof value !== 'object' || value === null) fail('compress', 'a boolean or { encodings, threshold }', value);
  const encodings = value.encodings ?? ['br', 'gzip'];
  if (!Array.isArray(encodings) || !encodings.every((e) => e === 'br' || e === 'gzip')) {
    fail('compress.encodings', "an array of 'br' and 'gzip'", encodings);
  }
  const threshold = value.threshold ?? 1024;
  if (!Number.isInteger(threshold) || threshold < 0) fail('compress.threshold', 'a non-negative integer', threshold);
  return { encodings, threshold };
}

/** The instance-wide options (everything `with()` cannot override), validated. */
export function resolveShared(options: ResponseCacheOptions): {
  compress: ReturnType<typeof resolveCompress>;
  now: () => number;
  onError: NonNullable<ResponseCacheOptions['onError']>;
  name: string;
  timeoutMs: number;
  readyTimeoutMs: number;
} {
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') fail('now', 'a function', now);
  const onError = options.onError ?? ((problem, _req, res) => sendProblem(res, problem));
  if (typeof onError !== 'function') fail('onError', 'a function', onError);
  const store = options.store;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.get !== 'function')) {
    throw new TypeError('responseCache: "store" must be a CacheStore such as redisStore({ client })');
  }
  const memory = options.memory;
  if (memory === false && store === undefined) {
    throw new TypeError('responseCache: "memory" can only be false when a shared "store" is given');
  }
  if (memory !== undefined && memory !== false && (typeof memory !== 'object' || typeof memory.get !== 'function')) {
    throw new TypeError('responseCache: "memory" must be false or a CacheStore such as memoryStore({ maxBytes })');
  }
  const name = options.name ?? 'expresskit';
  if (typeof name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail('name', 'an HTTP token', name);
  return {
    compress: resolveCompress(options.compress),
    now,
    onError,
    name,
    timeoutMs: parseDuration(options.timeout ?? 250, 'responseCache: "timeout"'),
    readyTimeoutMs: parseDuration(options.readyTimeout ?? 5_000, 'responseCache: "readyTimeout"'),
  };
}
