/**
 * The synchronous front of `responseCache`: which requests use the cache, their keys, and the L1
 * HIT path that answers without a promise.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import { type CacheRequest, type Lookup, takeConditional } from './cache-request.js';
import { ageSeconds, entryState, ttlSeconds } from './freshness.js';
import { type InvalidateSelector, invalidateBeforeEnd, publish, publishing, routeOf } from './invalidation.js';
import { type RequestKeys, splitUrl, variantKey } from './key.js';
import type { ResolvedRoute } from './options.js';
import { originReader } from './request-origin.js';
import { isRevalidation } from './revalidate.js';
import { type CacheOutcome, type ServeOptions, sendReady } from './serve.js';
import { requestBypass } from './storable.js';
import { type TieredCache, UNKNOWN } from './tiered.js';

export interface FrontOptions {
  readonly tiered: TieredCache;
  readonly now: () => number;
  /** The cache name in `Cache-Status`. */
  readonly name: string;
  readonly compress: { readonly encodings: ServeOptions['encodings']; readonly threshold: number };
  readonly onError: ServeOptions['onError'];
  readonly invalidate: (selector: InvalidateSelector) => Promise<void>;
  /** The requests this cache handles, with the mount whose options decide what is stored. */
  readonly active: WeakMap<Request, { route: ResolvedRoute }>;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class CacheFront {
  readonly #options: FrontOptions;
  readonly #originOf = originReader();
  readonly #hitStatus: string;

  constructor(options: FrontOptions) {
    this.#options = options;
    this.#hitStatus = `${options.name}; hit; ttl=`;
  }

  /**
   * The request's cache facts, or `undefined` when it passes by the cache (unsafe and other
   * methods, bypass reasons): the caller then calls `next()`.
   */
  classify(route: ResolvedRoute, keys: RequestKeys, req: Request, res: Response): CacheRequest | undefined {
    const raw = req.method;
    const method = raw === 'GET' || raw === 'HEAD' ? raw : raw.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      this.#options.active.set(req, { route });
      if (UNSAFE.has(method)) {
        const path = splitUrl(req.originalUrl).path;
        if (route.invalidateOnUnsafe) invalidateBeforeEnd(req, res, path, this.#options.invalidate);
        this.bypass(req, res, 'method');
      }
      return undefined;
    }
    const headers = req.headers;
    const reason =
      requestBypass(
        { method, authorization: headers.authorization !== undefined, range: headers.range !== undefined },
        route.shareAuthorized,
      ) ?? (route.skip?.(req) ? 'skip' : undefined);
    if (reason) {
      this.#options.active.set(req, { route });
      this.bypass(req, res, reason);
      return undefined;
    }
    const origin = route.key || !route.host ? undefined : this.#originOf(req);
    const base = route.key ? route.key(req) : keys.key(req.originalUrl, origin);
    return { method, base, origin, conditional: takeConditional(headers), revalidation: isRevalidation(req) };
  }

  /**
   * The synchronous L1 HIT path: sends a fresh entry of a `memoryStore` L1 whose variant is at
   * hand and returns `undefined`; otherwise returns where the asynchronous path takes over.
   */
  fromMemory(req: Request, res: Response, request: CacheRequest): Lookup | undefined {
    const { tiered, now } = this.#options;
    let key = request.base;
    if (request.revalidation) return { stage: 'done', key, entry: undefined };
    let entry = tiered.peek(key);
    if (entry === UNKNOWN) return { stage: 'all', key, entry: undefined };
    if (entry === undefined) return { stage: 'shared', key, entry };
    if (entry.vary) {
      key = variantKey(key, entry.vary, req.headers);
      entry = tiered.peek(key);
      if (entry === undefined || entry === UNKNOWN) return { stage: 'variant', key, entry: undefined };
    }
    const at = now();
    if (entryState(entry, at) !== 'fresh') return { stage: 'done', key, entry };
    const status = this.#hitStatus + ttlSeconds(entry, at);
    if (!sendReady(req, res, entry, this.serveWith(request, 'HIT', status, ageSeconds(entry, at), undefined))) {
      return { stage: 'done', key, entry };
    }
    if (publishing()) publish({ type: 'hit', route: routeOf(req) });
    return undefined;
  }

  /** The options of `serveEntry`/`sendReady` for `request` (`cacheStatus` is the whole value). */
  serveWith(
    request: CacheRequest,
    outcome: CacheOutcome,
    cacheStatus: string,
    age: number | undefined,
    before: OutgoingHttpHeaders | undefined,
  ): ServeOptions {
    const { compress, onError } = this.#options;
    return {
      method: request.method,
      outcome,
      cacheStatus,
      age,
      encodings: compress.encodings,
      threshold: compress.threshold,
      conditional: request.conditional,
      before,
      onError,
    };
  }

  bypass(req: Request, res: Response, reason: string): void {
    publish({ type: 'bypass', route: routeOf(req), reason });
    res.setHeader('x-cache', 'BYPASS');
    const fwd = reason === 'method' ? 'method' : 'bypass';
    res.setHeader('cache-status', `${this.#options.name}; fwd=${fwd}; detail=${reason}`);
  }
}
