/** Sends a stored entry: variant selection, 304 from the cache, cache headers. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ProblemError, problemType } from '@expresskit/core';
import type { Captured } from './capture.js';
import {
  type ConditionalRequestHeaders,
  evaluatePreconditions,
  notModifiedHeaders,
  type PreconditionResult,
} from './conditional.js';
import type { CacheEntry } from './entry.js';
import { parseVary } from './key.js';
import { canCompress, type Encoding, negotiateEncoding, readyVariant, type Variant, variantOf } from './variants.js';

export type CacheOutcome = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

export interface ServeOptions {
  /** The request method as received (a HEAD miss runs the handler as GET). */
  readonly method: string;
  readonly outcome: CacheOutcome;
  /** The `Cache-Status` value (RFC 9211) for this response. */
  readonly cacheStatus: string;
  /** `Age` in seconds, or `undefined` to send none. */
  readonly age: number | undefined;
  /** Encodings to offer, or `undefined` to never compress. */
  readonly encodings: readonly Encoding[] | undefined;
  readonly threshold: number;
  /** The request's conditional headers (removed from `req.headers` while the handler ran). */
  readonly conditional: ConditionalRequestHeaders;
  /** Sends the 412 problem of a failed `If-Match` / `If-Unmodified-Since` on a cached GET. */
  readonly onError: (problem: ProblemError, req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Headers set before the cache ran; everything else on `res` is replaced by the entry's.
   * `undefined` when nothing touched `res`'s headers since the cache ran (a HIT served at once).
   */
  readonly before: OutgoingHttpHeaders | undefined;
}

/**
 * Puts `res`'s headers back to `before` (what was set before the cache ran). Usually nothing
 * changed in between (a HIT), so only differing headers are touched.
 */
function resetHeaders(res: ServerResponse, before: OutgoingHttpHeaders): void {
  for (const name of res.getHeaderNames()) if (before[name] === undefined) res.removeHeader(name);
  for (const name in before) {
    const value = before[name];
    if (value !== undefined && res.getHeader(name) !== value) res.setHeader(name, value);
  }
}

function withVary(current: string | string[] | undefined, name: string): string {
  const names = parseVary(current);
  return names.includes(name.toLowerCase())
    ? Array.isArray(current)
      ? current.join(', ')
      : String(current)
    : [current, name].filter(Boolean).join(', ');
}

/** Headers the cache sets per request; stored values of these never reach the response. */
const PER_REQUEST = new Set(['x-cache', 'cache-status', 'age']);

/** The response headers of one variant of an entry, built once: name, value, name, value, … */
interface Prepared {
  readonly headers: readonly (string | string[])[];
  /** The validators for preconditions and, lazily, the subset a 304 may carry. */
  readonly validators: OutgoingHttpHeaders;
  notModified?: readonly (string | string[])[];
}

const prepared = new WeakMap<Variant, Map<boolean, Prepared>>();

function flatten(headers: OutgoingHttpHeaders): (string | string[])[] {
  const flat: (string | string[])[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !PER_REQUEST.has(name))
      flat.push(name, typeof value === 'number' ? String(value) : value);
  }
  return flat;
}

/** The headers of `variant` of `entry` (with `Vary: Accept-Encoding` when `compressible`), cached per variant. */
function prepare(entry: CacheEntry, variant: Variant, compressible: boolean): Prepared {
  let byCompressible = prepared.get(variant);
  if (byCompressible === undefined) {
    byCompressible = new Map();
    prepared.set(variant, byCompressible);
  }
  let result = byCompressible.get(compressible);
  if (result === undefined) {
    const validators: OutgoingHttpHeaders = { ...entry.headers, etag: variant.etag };
    if (compressible) validators.vary = withVary(entry.headers.vary, 'Accept-Encoding');
    const headers: OutgoingHttpHeaders = { ...validators };
    if (variant.encoding !== 'identity') headers['content-encoding'] = variant.encoding;
    if (entry.status === 204 || entry.status === 304) delete headers['content-length'];
    else headers['content-length'] = String(variant.body.length);
    result = { headers: flatten(headers), validators };
    byCompressible.set(compressible, result);
  }
  return result;
}

function setAll(res: ServerResponse, flat: readonly (string | string[])[]): void {
  for (let i = 0; i + 1 < flat.length; i += 2) res.setHeader(flat[i] as string, flat[i + 1] as string | string[]);
}

/** Whether none of the conditional request headers is present (no preconditions to evaluate). */
function unconditional(headers: ConditionalRequestHeaders): boolean {
  return (
    headers['if-none-match'] === undefined &&
    headers['if-match'] === undefined &&
    headers['if-modified-since'] === undefined &&
    headers['if-unmodified-since'] === undefined
  );
}

/** The last `Accept-Encoding` negotiated, per list of offered encodings (browsers send a few values). */
const negotiated = new WeakMap<readonly Encoding[], { accept: string | undefined; encoding: Encoding | 'identity' }>();

function encodingFor(req: IncomingMessage, compressible: boolean, options: ServeOptions): Encoding | 'identity' {
  const offered = options.encodings;
  if (!compressible || !offered) return 'identity';
  const header = req.headers['accept-encoding'];
  const accept = typeof header === 'string' ? header : undefined;
  const last = negotiated.get(offered);
  if (last !== undefined && last.accept === accept) return last.encoding;
  const encoding = negotiateEncoding(accept, offered);
  negotiated.set(offered, { accept, encoding });
  return encoding;
}

/**
 * Sends `entry` on `res` (whose own methods must be in place) when its variant for this request is
 * at hand (identity, or a compressed variant made before), answering 304 when the request's
 * validators match; returns `false` without touching `res` when the variant must be made first
 * (then call `serveEntry`).
 */
export function sendReady(
  req: IncomingMessage,
  res: ServerResponse,
  entry: CacheEntry,
  options: ServeOptions,
): boolean {
  const compressible = options.encodings !== undefined && canCompress(entry, options.threshold);
  const variant = readyVariant(entry, encodingFor(req, compressible, options));
  if (variant === undefined) return false;
  send(req, res, entry, variant, compressible, options);
  return true;
}

/** `sendReady`, or the same once the variant is made. */
export function serveEntry(
  req: IncomingMessage,
  res: ServerResponse,
  entry: CacheEntry,
  options: ServeOptions,
): Promise<void> | undefined {
  if (sendReady(req, res, entry, options)) return undefined;
  const compressible = options.encodings !== undefined && canCompress(entry, options.threshold);
  return variantOf(entry, encodingFor(req, compressible, options)).then((made) =>
    send(req, res, entry, made, compressible, options),
  );
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  entry: CacheEntry,
  variant: Variant,
  compressible: boolean,
  options: ServeOptions,
): void {
  if (options.before !== undefined) resetHeaders(res, options.before);
  const ready = prepare(entry, variant, compressible);
  const method = options.method;
  let precondition: PreconditionResult = 'proceed';
  if (!unconditional(options.conditional)) {
    const lastModified = entry.headers['last-modified'];
    precondition = evaluatePreconditions({
      method,
      headers: options.conditional,
      etag: variant.etag,
      lastModified: typeof lastModified === 'string' ? lastModified : undefined,
    });
  }
  if (precondition === 'precondition-failed') {
    setPerRequest(res, options);
    options.onError(
      new ProblemError(412, {
        type: problemType('precondition-failed'),
        title: 'Precondition Failed',
        detail: "The request's If-Match / If-Unmodified-Since does not match the current representation",
      }),
      req,
      res,
    );
    return;
  }
  if (precondition === 'not-modified') {
    ready.notModified ??= flatten(notModifiedHeaders(ready.validators));
    res.statusCode = 304;
    setAll(res, ready.notModified);
    setPerRequest(res, options);
    res.end();
    return;
  }
  res.statusCode = entry.status;
  setAll(res, ready.headers);
  setPerRequest(res, options);
  if (entry.status === 204 || entry.status === 304) {
    res.removeHeader('content-length');
    res.end();
    return;
  }
  res.end(method === 'HEAD' ? undefined : variant.body);
}

/** `X-Cache`, `Cache-Status` and `Age`: set per request, after (and over) the stored headers. */
function setPerRequest(res: ServerResponse, options: ServeOptions): void {
  res.setHeader('x-cache', options.outcome);
  res.setHeader('cache-status', options.cacheStatus);
  if (options.age !== undefined) res.setHeader('age', String(options.age));
}

/**
 * Answers 304 for a response the cache did not store (e.g. `private`) when the request's validators
 * match the handler's own `ETag` / `Last-Modified`. Returns whether it did.
 */
export function sendNotModified(
  res: ServerResponse,
  captured: Captured,
  conditional: ConditionalRequestHeaders,
  method: string,
  before: OutgoingHttpHeaders,
): boolean {
  if (captured.status < 200 || captured.status >= 300) return false;
  const etag = captured.headers.etag;
  const lastModified = captured.headers['last-modified'];
  if (etag === undefined && lastModified === undefined) return false;
  const result = evaluatePreconditions({
    method,
    headers: conditional,
    etag: typeof etag === 'string' ? etag : undefined,
    lastModified: typeof lastModified === 'string' ? lastModified : undefined,
  });
  if (result !== 'not-modified') return false;
  const keep = notModifiedHeaders(captured.headers, ['x-cache', 'cache-status']);
  for (const name of res.getHeaderNames()) {
    const representation = name in captured.headers && !(name in before);
    if (representation && !(name in keep)) res.removeHeader(name);
  }
  res.statusCode = 304;
  res.end();
  return true;
}
