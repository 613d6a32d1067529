/**
 * `req.pagination` and `res.paginate`: installed once on a layer of the app's request/response
 * prototypes (`ExpressLayer`), not as two own properties per request (each costs the request or
 * response a hidden class of its own, about 6 µs). Both read the request's entry here.
 */
import { ExpressLayer } from '@expresskit/core';
import type { Request, Response } from 'express';
import type { PageMeta, Pagination } from './types.js';

/** Sends a page for the `paginate()` instance that handled the request, with that instance's state of it. */
export type PageSender<S> = (res: Response, req: Request, items: readonly unknown[], meta: PageMeta, state: S) => void;

interface Entry<S> {
  readonly pagination: Pagination;
  readonly send: PageSender<S>;
  readonly state: S;
}

/**
 * Per request: the one WeakMap write of `paginate()`. An entry must not refer back to its request
 * (V8 would have to keep and revisit it).
 */
const entries = new WeakMap<object, Entry<unknown>>();

function readPagination(this: object): Pagination | undefined {
  return entries.get(this)?.pagination;
}

/** Assigning `req.pagination` yourself works as with a plain property: it becomes your own. */
function writePagination(this: object, value: unknown): void {
  Object.defineProperty(this, 'pagination', { value, writable: true, enumerable: true, configurable: true });
}

/** `res.paginate(items, meta)`, one function for every response. */
function paginateMethod(this: Response | undefined, items: readonly unknown[], meta: PageMeta = {}): void {
  const req = this?.req;
  if (this === undefined || req === undefined) {
    throw new TypeError('res.paginate: call it as a method of the response, res.paginate(items)');
  }
  const entry = entries.get(req);
  if (entry === undefined) {
    throw new TypeError('res.paginate: paginate() does not handle this request (mount it before the handler)');
  }
  entry.send(this, req, items, meta, entry.state);
}

const requestLayer = new ExpressLayer('@expresskit/pagination req.pagination', () => ({
  pagination: { get: readPagination, set: writePagination, enumerable: false, configurable: true },
}));

const responseLayer = new ExpressLayer('@expresskit/pagination res.paginate', () => ({
  paginate: { value: paginateMethod, writable: true, configurable: true },
}));

/**
 * Makes `req.pagination` and `res.paginate` of this request those of `send`'s instance: through
 * the layers, or as own properties where they cannot serve (not an Express request, or something
 * shadows them).
 */
export function providePage<S>(
  req: Request,
  res: Response,
  pagination: Pagination,
  send: PageSender<S>,
  state: S,
): void {
  entries.set(req, { pagination, send, state } as Entry<unknown>);
  if (req.pagination !== pagination) {
    // First request of an app (or an app mounted into another since): install, or look again.
    if (requestLayer.of(req) !== undefined && req.pagination !== pagination) requestLayer.of(req, true);
    if (req.pagination !== pagination) writePagination.call(req, pagination);
  }
  if (res.paginate !== paginateMethod) {
    if (responseLayer.of(res) !== undefined && res.paginate !== paginateMethod) responseLayer.of(res, true);
    if (res.paginate !== paginateMethod) res.paginate = paginateMethod as Response['paginate'];
  }
}
