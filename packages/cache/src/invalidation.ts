/** Invalidation selectors, RFC 9111 §4.4 invalidation after unsafe requests, and event helpers. */
import { type CacheEvent, CHANNELS, channel } from '@expresskit/core';
import type { Request, Response } from 'express';
import type { Invalidation } from './bus.js';
import { HOSTLESS_KEY, keyTag } from './key.js';

/** What `invalidate()` removes: entries under any of `tags`, at `keys`, or whose key starts with `prefix`. */
export interface InvalidateSelector {
  tags?: readonly string[];
  keys?: readonly string[];
  /** A key prefix; one starting with `/` is a path prefix (`'/products'` matches `GET /products…`). */
  prefix?: string;
  /** Everything (L1 of every instance and the whole L2 namespace). */
  all?: boolean;
}

const cacheChannel = channel(CHANNELS.cache);

/** Publishes on `expresskit:cache` (the payload is only built by callers when cheap). */
export function publish(event: CacheEvent): void {
  if (cacheChannel.hasSubscribers) cacheChannel.publish(event);
}

/** Whether anyone listens on `expresskit:cache` (hot paths build no event otherwise). */
export function publishing(): boolean {
  return cacheChannel.hasSubscribers;
}

/**
 * The route template of the request (`/orgs/:org/products/:id`) for event labels, or `undefined`
 * outside a matched route. The mount part comes from the concrete `req.baseUrl` with every segment
 * that equals a value of `req.params` written back as `:name`, so labels stay bounded when the
 * parameters are known (a parent router's parameters are, with `mergeParams`).
 */
export function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return undefined;
  const base = req.baseUrl;
  if (!base) return joinRoute('', path);
  // Several events of one request share the label: compute it once per (route, mount).
  const cached = labels.get(req);
  if (cached !== undefined && cached.route === req.route && cached.base === base) return cached.label;
  const label = template(base, path, req.params as Record<string, unknown> | undefined);
  labels.set(req, { route: req.route, base, label });
  return label;
}

const labels = new WeakMap<Request, { route: unknown; base: string; label: string }>();

function template(base: string, path: string, params: Record<string, unknown> | undefined): string {
  const names = new Map<string, string>();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string' && value !== '' && !names.has(value)) names.set(value, name);
  }
  if (names.size === 0) return joinRoute(base, path);
  const mount = base
    .split('/')
    .map((segment) => {
      const name = names.get(segment) ?? names.get(safeDecode(segment));
      return name === undefined ? segment : `:${name}`;
    })
    .join('/');
  return joinRoute(mount, path);
}

/**
 * Joins a mount and a route path the way `@expresskit/metrics` labels routes, so the two series
 * join by route: a trailing `/` of the mount is dropped, a route path of `/` (or ``) is the mount
 * itself (`/` at the root), and there is never a double slash (`/products` + `/` → `/products`).
 */
export function joinRoute(mount: string, path: string): string {
  const prefix = mount.endsWith('/') ? mount.slice(0, -1) : mount;
  if (path === '/' || path === '') return prefix === '' ? '/' : prefix;
  return `${prefix}${path.startsWith('/') ? path : `/${path}`}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The implicit tag of every entry stored for `path`, used by unsafe-method invalidation. */
export function pathTag(path: string): string {
  return `path:${path}`;
}

export function toInvalidation(selector: InvalidateSelector): Invalidation {
  const prefix = selector.prefix?.startsWith('/') ? `GET ${selector.prefix}` : selector.prefix;
  // `GET /products/42` names the entry of every origin (the origin is part of the stored key):
  // those entries carry the implicit tag `key:GET /products/42`.
  const keyTags = (selector.keys ?? []).filter((key) => HOSTLESS_KEY.test(key)).map(keyTag);
  const tags = [...(selector.tags ?? []), ...keyTags];
  return {
    ...(selector.tags || keyTags.length > 0 ? { tags } : {}),
    ...(selector.keys ? { keys: [...selector.keys] } : {}),
    ...(prefix === undefined ? {} : { prefix }),
    ...(selector.all === true ? { all: true } : {}),
  };
}

/**
 * RFC 9111 §4.4: when an unsafe request succeeds (2xx/3xx), invalidate its target path and the
 * same-host paths of its `Location` and `Content-Location`. The response is ended only after the
 * invalidation (bounded by the L2 timeout), so a client that reads right after its write never
 * gets the old cached copy.
 */
export function invalidateBeforeEnd(
  req: Request,
  res: Response,
  path: string,
  invalidate: (selector: InvalidateSelector) => Promise<void>,
): void {
  const end = res.end;
  res.end = function endAfterInvalidation(this: Response, ...args: unknown[]): Response {
    res.end = end;
    const finish = (): Response => (end as (...a: unknown[]) => Response).apply(res, args);
    if (res.statusCode < 200 || res.statusCode >= 400) return finish();
    const host = req.headers.host ?? 'localhost';
    const paths = new Set([path]);
    for (const header of ['location', 'content-location']) {
      const value = res.getHeader(header);
      if (typeof value !== 'string') continue;
      try {
        const target = new URL(value, `http://${host}`);
        if (target.host === host) paths.add(target.pathname);
      } catch {
        // An unparsable Location invalidates nothing more.
      }
    }
    invalidate({ tags: [...paths].map(pathTag) }).then(finish, finish);
    return res;
  } as Response['end'];
}
