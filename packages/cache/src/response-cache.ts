/** The Express adapter: `responseCache(options)` wires the pure pieces, the stores and the bus. */
import { ExpressLayer } from '@expresskit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { buildEntry, pointerEntry } from './build-entry.js';
import type { CacheRequest, Lookup } from './cache-request.js';
import { type CaptureResult, capture } from './capture.js';
import type { CacheEntry } from './entry.js';

export type { InvalidateSelector } from './invalidation.js';

import { ageSeconds, entryState, ttlSeconds, usableOnError } from './freshness.js';
import { CacheFront } from './front.js';
import { type InvalidateSelector, pathTag, publish, routeOf, toInvalidation } from './invalidation.js';
import { InvalidationLog } from './invalidation-log.js';
import { keyTag, RequestKeys, splitUrl, variantKey } from './key.js';
import {
  type ResolvedRoute,
  type ResponseCacheOptions,
  type RouteCacheOptions,
  resolveRoute,
  resolveShared,
} from './options.js';
import { BackgroundRefresh } from './revalidate.js';
import { type CacheOutcome, sendNotModified, serveEntry } from './serve.js';
import { Singleflight } from './singleflight.js';
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

const tagsOf = new WeakMap<Response, string[]>();

/** `res.cacheTags(...tags)`: one function for every response, the tags in `tagsOf`. */
function addCacheTags(this: Response, ...added: string[]): Response {
  const tags = tagsOf.get(this);
  if (tags === undefined) tagsOf.set(this, added);
  else tags.push(...added);
  return this;
}

/** `res.cacheTags` on a layer of the app's response prototype (no own property per response). */
const cacheTagsLayer = new ExpressLayer('@expresskit/cache res.cacheTags', () => ({
  cacheTags: { value: addCacheTags, writable: true, configurable: true },
}));

/** Makes `res.cacheTags()` available: through the layer, or as an own property where it cannot serve. */
function provideCacheTags(res: Response): void {
  if (res.cacheTags === addCacheTags) return;
  // First request of an app (or an app mounted into another since): install, or look again.
  if (cacheTagsLayer.of(res) !== undefined && res.cacheTags !== addCacheTags) cacheTagsLayer.of(res, true);
  if (res.cacheTags !== addCacheTags) res.cacheTags = addCacheTags as Response['cacheTags'];
}

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
  const front = new CacheFront({
    tiered,
    now,
    name,
    compress,
    onError: (problem, req, res) => onError(problem, req as Request, res as Response),
    invalidate,
    active,
  });

  const middleware = (route: ResolvedRoute): RequestHandler => {
    const keys = new RequestKeys(route.query);
    return function responseCacheMiddleware(req: Request, res: Response, next: NextFunction): void {
      // This cache already handles the request further up (`app.use(cache)` and `cache.with()` on
      // the route): the outer one stays in charge, with this route's options for what it stores.
      const outer = active.get(req);
      if (outer) {
        outer.route = route;
        next();
        return;
      }
      provideCacheTags(res);
      let found: Lookup | undefined;
      let request: CacheRequest | undefined;
      try {
        request = front.classify(route, keys, req, res);
        // A fresh L1 entry whose variant is at hand is sent at once: no promise, no await.
        if (request !== undefined) found = front.fromMemory(req, res, request);
      } catch (error) {
        fail(req, res, next, error, false);
        return;
      }
      if (request === undefined) next();
      else if (found !== undefined) {
        let forwarded = false;
        const forward: NextFunction = (error?: unknown) => {
          forwarded = true;
          next(error);
        };
        handle(route, keys, req, res, forward, request, found).catch((error: unknown) =>
          fail(req, res, next, error, forwarded),
        );
      }
    };
  };

  const setStatusHeaders = (res: Response, outcome: CacheOutcome, status: string): void => {
    res.setHeader('x-cache', outcome);
    res.setHeader('cache-status', `${name}; ${status}`);
  };

  function fail(req: Request, res: Response, next: NextFunction, error: unknown, forwarded: boolean): void {
    const err = error instanceof Error ? error : new Error(String(error));
    publish({ type: 'error', route: routeOf(req), operation: 'middleware', error: err });
    // Before the handler ran, Express's error handling takes over; after, the response is ours to end.
    if (!forwarded) next(err);
    else if (!res.writableEnded) res.destroy();
  }

  async function handle(
    route: ResolvedRoute,
    keys: RequestKeys,
    req: Request,
    res: Response,
    next: NextFunction,
    request: CacheRequest,
    found: Lookup,
  ): Promise<void> {
    const mounted = { route };
    active.set(req, mounted);
    tagsOf.delete(res);
    const { method, base, origin, conditional, revalidation } = request;
    const before = res.getHeaders();
    const serve = async (entry: CacheEntry, outcome: CacheOutcome, status: string, age: boolean): Promise<void> => {
      const ageValue = age ? ageSeconds(entry, now()) : undefined;
      const sending = serveEntry(
        req,
        res,
        entry,
        front.serveWith(request, outcome, `${name}; ${status}`, ageValue, before),
      );
      if (sending !== undefined) await sending;
    };

    let { key, entry } = found;
    if (found.stage === 'all' || found.stage === 'shared') {
      entry = await (found.stage === 'all' ? tiered.get(base, routeOf(req)) : tiered.shared(base, routeOf(req)));
      if (entry?.vary) {
        key = variantKey(base, entry.vary, req.headers);
        entry = await tiered.get(key, routeOf(req));
      }
    } else if (found.stage === 'variant') entry = await tiered.shared(key, routeOf(req));
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
      const allTags = [...storing.tags(req), ...(tagsOf.get(res) ?? []), pathTag(splitUrl(req.originalUrl).path)];
      if (origin !== undefined) allTags.push(keyTag(keys.target(req.originalUrl)));
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
