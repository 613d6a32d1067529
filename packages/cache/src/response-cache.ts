/** The Express adapter: `responseCache(options)` wires the pure pieces, the stores and the bus. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { buildEntry, pointerEntry } from './build-entry.js';
import { type CaptureResult, capture } from './capture.js';
import type { ConditionalRequestHeaders } from './conditional.js';
import type { CacheEntry } from './entry.js';

export type { InvalidateSelector } from './invalidation.js';

import { ageSeconds, entryState, ttlSeconds, usableOnError } from './freshness.js';
import {
  type InvalidateSelector,
  invalidateBeforeEnd,
  pathTag,
  publish,
  routeOf,
  toInvalidation,
} from './invalidation.js';
import { InvalidationLog } from './invalidation-log.js';
import { baseKey, keyTag, splitUrl, variantKey } from './key.js';
import {
  type ResolvedRoute,
  type ResponseCacheOptions,
  type RouteCacheOptions,
  resolveRoute,
  resolveShared,
} from './options.js';
import { requestOrigin } from './request-origin.js';
import { BackgroundRefresh, isRevalidation } from './revalidate.js';
import { type CacheOutcome, sendNotModified, serveEntry } from './serve.js';
import { Singleflight } from './singleflight.js';
import { requestBypass } from './storable.js';
import { memoryStore } from './stores/memory.js';
import { isRedisStore } from './stores/redis.js';
import { cacheBus, TieredCache } from './tiered.js';

export interface ResponseCache extends RequestHandler {
  /** The same cache (stores, bus, singleflight) with other per-route options. */
  with(options: RouteCacheOptions): RequestHandler;
  /** Removes entries here, in the shared store and, through the bus, in every instance's L1. */
  invalidate(selector: InvalidateSelector): Promise<void>;
  /** Resolves when the invalidation bus is subscribed (immediately without one). */
  readonly ready: Promise<void>;
  /** Unsubscribes the bus and clears L1 (the injected Redis client stays open). */
  close(): Promise<void>;
}

interface Outcome {
  readonly result: CaptureResult;
  readonly entry: CacheEntry | undefined;
  /** The request headers the stored entry varies on. */
  readonly vary: readonly string[];
  /** `false` when `entry` was built but not kept (invalidated while the handler ran). */
  readonly stored: boolean;
}

/** A background refresh that has not come back within this time may be started again. */
const REFRESH_GRACE_MS = 30_000;

const CONDITIONAL = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const tagsOf = new WeakMap<Response, string[]>();

/** A response cache for GET/HEAD (see the README for the rules it follows). */
export function responseCache(options: ResponseCacheOptions = {}): ResponseCache {
  const defaults = resolveRoute(options);
  const { compress, now, onError, name, timeoutMs, readyTimeoutMs } = resolveShared(options);
  const l1 = options.memory === false ? memoryStore({ maxBytes: 1 }) : (options.memory ?? memoryStore());
  const tiered = new TieredCache({
    l1,
    l2: options.store,
    timeoutMs,
    now,
    onError: (operation, error, route) => publish({ type: 'error', route, operation, error }),
  });
  const log = new InvalidationLog();
  const redis = isRedisStore(options.store) ? options.store : undefined;
  if (redis && options.bus !== false) tiered.bus = cacheBus(redis, tiered, log, readyTimeoutMs);
  const flights = new Singleflight<Outcome>();
  const active = new WeakMap<Request, { route: ResolvedRoute }>();
  const refreshes = new BackgroundRefresh(now, REFRESH_GRACE_MS);
  const leaderHeaders = new WeakMap<Promise<Outcome>, Request['headers']>();

  const invalidate = async (selector: InvalidateSelector): Promise<void> => {
    const invalidation = toInvalidation(selector);
    publish({ type: 'invalidate', ...invalidation, remote: false });
    log.record(invalidation);
    await tiered.invalidate(invalidation, false);
  };

  const middleware = (route: ResolvedRoute): RequestHandler =>
    function responseCacheMiddleware(req: Request, res: Response, next: NextFunction): void {
      // This cache already handles the request further up (`app.use(cache)` and `cache.with()` on
      // the route): the outer one stays in charge, with this route's options for what it stores.
      const outer = active.get(req);
      if (outer) {
        outer.route = route;
        next();
        return;
      }
      let forwarded = false;
      const forward: NextFunction = (error?: unknown) => {
        forwarded = true;
        next(error);
      };
      handle(route, req, res, forward).catch((error: unknown) => {
        const err = error instanceof Error ? error : new Error(String(error));
        publish({ type: 'error', route: routeOf(req), operation: 'middleware', error: err });
        // Before the handler ran, Express's error handling takes over; after, the response is ours to end.
        if (!forwarded) next(err);
        else if (!res.writableEnded) res.destroy();
      });
    };

  const setStatusHeaders = (res: Response, outcome: CacheOutcome, status: string): void => {
    res.setHeader('x-cache', outcome);
    res.setHeader('cache-status', `${name}; ${status}`);
  };

  async function handle(route: ResolvedRoute, req: Request, res: Response, next: NextFunction): Promise<void> {
    const mounted = { route };
    active.set(req, mounted);
    const tags: string[] = [];
    tagsOf.set(res, tags);
    res.cacheTags = (...added: string[]) => {
      tags.push(...added);
      return res;
    };
    const method = req.method.toUpperCase();
    const path = splitUrl(req.originalUrl).path;
    if (UNSAFE.has(method)) {
      if (route.invalidateOnUnsafe) invalidateBeforeEnd(req, res, path, invalidate);
      bypass(req, res, 'method');
      next();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      next();
      return;
    }
    const revalidation = isRevalidation(req);
    const reason =
      requestBypass(
        { method, authorization: req.headers.authorization !== undefined, range: req.headers.range !== undefined },
        route.shareAuthorized,
      ) ?? (route.skip?.(req) ? 'skip' : undefined);
    if (reason) {
      bypass(req, res, reason);
      next();
      return;
    }
    const origin = route.key || !route.host ? undefined : requestOrigin(req);
    const base = route.key ? route.key(req) : baseKey(method, req.originalUrl, route.query, origin);
    const conditional: ConditionalRequestHeaders = {};
    for (const header of CONDITIONAL) {
      conditional[header] = req.headers[header];
      delete req.headers[header];
    }
    const before = res.getHeaders();
    const serve = (entry: CacheEntry, outcome: CacheOutcome, status: string, age: boolean): Promise<void> =>
      serveEntry(req, res, entry, {
        method,
        outcome,
        cacheStatus: `${name}; ${status}`,
        age: age ? ageSeconds(entry, now()) : undefined,
        encodings: compress.encodings,
        threshold: compress.threshold,
        conditional,
        before,
        onError: (problem) => onError(problem, req, res),
      });

    let entry: CacheEntry | undefined;
    let key = base;
    if (!revalidation) {
      entry = await tiered.get(base, routeOf(req));
      if (entry?.vary) {
        key = variantKey(base, entry.vary, req.headers);
        entry = await tiered.get(key, routeOf(req));
      }
    }
    const state = entry ? entryState(entry, now()) : 'expired';
    if (entry && state === 'fresh') {
      publish({ type: 'hit', route: routeOf(req) });
      await serve(entry, 'HIT', `hit; ttl=${ttlSeconds(entry, now())}`, true);
      return;
    }
    if (entry && state === 'stale') {
      publish({ type: 'stale', route: routeOf(req), reason: 'stale-while-revalidate' });
      refreshes.start(
        req,
        key,
        (error) => publish({ type: 'error', route: routeOf(req), operation: 'revalidate', error }),
        () => flights.has(`revalidate ${key}`),
      );
      await serve(entry, 'STALE', `hit; ttl=${ttlSeconds(entry, now())}; fwd=stale`, true);
      return;
    }
    const fallback = entry && usableOnError(entry, now()) ? entry : undefined;

    const run = async (): Promise<Outcome> => {
      const captured = capture(res, route.maxBodyBytes, (reason) => {
        if (!revalidation) setStatusHeaders(res, 'MISS', `fwd=miss; detail=${reason}`);
        publish({ type: 'miss', route: routeOf(req), reason });
      });
      // A HEAD miss runs the handler as GET so the entry has a body to serve later GETs from.
      if (method === 'HEAD') req.method = 'GET';
      const generation = log.generation;
      next();
      const result = await captured.result;
      if (method === 'HEAD') req.method = 'HEAD';
      if (result.kind !== 'complete') return { result, entry: undefined, vary: [], stored: false };
      // The innermost mount of this cache on the request's path decides what is stored.
      const storing = mounted.route;
      const allTags = [...storing.tags(req), ...(tagsOf.get(res) ?? []), pathTag(path)];
      if (origin !== undefined) allTags.push(keyTag(baseKey(method, req.originalUrl, route.query)));
      const built = buildEntry(result.response, before, [...new Set(allTags)], storing, now());
      if ('reason' in built) {
        if (!(result.response.status >= 500 && fallback)) {
          if (!revalidation) setStatusHeaders(res, 'MISS', `fwd=miss; detail=${built.reason}`);
          captured.restore();
          if (revalidation || !sendNotModified(res, result.response, conditional, method, before)) captured.release();
        } else captured.restore();
        publish({ type: 'miss', route: routeOf(req), reason: built.reason });
        return { result, entry: undefined, vary: [], stored: false };
      }
      captured.restore();
      const storeKey = built.vary.length > 0 ? variantKey(base, built.vary, req.headers) : base;
      if (log.changedSince(generation, [base, storeKey], built.entry.tags)) {
        // Invalidated while the handler ran: serve what it produced, but do not keep it.
        publish({ type: 'miss', route: routeOf(req), reason: 'invalidated' });
        return { result, entry: built.entry, vary: built.vary, stored: false };
      }
      const pairs: [string, CacheEntry][] = [[storeKey, built.entry]];
      if (built.vary.length > 0) pairs.unshift([base, pointerEntry(built.entry, built.vary)]);
      await tiered.set(pairs, routeOf(req));
      publish({ type: 'miss', route: routeOf(req) });
      publish({ type: 'store', route: routeOf(req) });
      return { result, entry: built.entry, vary: built.vary, stored: true };
    };

    if (revalidation) {
      await flights.run(`revalidate ${key}`, run).promise.finally(() => refreshes.done(key));
      return;
    }
    let outcome: Outcome | undefined;
    let flightKey = key;
    for (let attempt = 0; outcome === undefined; attempt++) {
      const { promise, leader } = flights.run(flightKey, run);
      if (leader) leaderHeaders.set(promise, req.headers);
      const result = await promise;
      if (leader) {
        outcome = result;
        break;
      }
      const sameVariant = result.vary.every(
        (header) => JSON.stringify(req.headers[header]) === JSON.stringify(leaderHeaders.get(promise)?.[header]),
      );
      if (result.entry && sameVariant) {
        publish({ type: 'miss', route: routeOf(req), reason: 'collapsed' });
        await serve(result.entry, 'MISS', 'fwd=miss; collapsed', false);
        return;
      }
      if (fallback && failed(result.result)) outcome = result;
      else if (result.entry && attempt === 0) flightKey = variantKey(base, result.vary, req.headers);
      else outcome = await run();
    }
    if (outcome.entry) {
      await serve(outcome.entry, 'MISS', outcome.stored ? 'fwd=miss; stored' : 'fwd=miss; detail=invalidated', false);
      return;
    }
    if (fallback && failed(outcome.result)) {
      const status = outcome.result.kind === 'complete' ? outcome.result.response.status : 500;
      publish({ type: 'stale', route: routeOf(req), reason: 'stale-if-error' });
      await serve(fallback, 'STALE', `fwd=stale; fwd-status=${status}; detail=stale-if-error`, true);
    }
  }

  function bypass(req: Request, res: Response, reason: string): void {
    publish({ type: 'bypass', route: routeOf(req), reason });
    res.setHeader('x-cache', 'BYPASS');
    res.setHeader('cache-status', `${name}; fwd=${reason === 'method' ? 'method' : 'bypass'}; detail=${reason}`);
  }

  const handler = middleware(defaults) as ResponseCache;
  return Object.assign(handler, {
    with: (routeOptions: RouteCacheOptions) => middleware(resolveRoute(routeOptions, defaults)),
    invalidate,
    ready: tiered.bus?.ready ?? Promise.resolve(),
    close: async () => {
      await tiered.bus?.close();
      await l1.close();
    },
  });
}

function failed(result: CaptureResult): boolean {
  return result.kind === 'complete' && result.response.status >= 500;
}
