/** Sends a stored entry: variant selection, 304 from the cache, cache headers. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ProblemError, problemType } from '@expresskit/core';
import type { Captured } from './capture.js';
import { type ConditionalRequestHeaders, evaluatePreconditions, notModifiedHeaders } from './conditional.js';
import type { CacheEntry } from './entry.js';
import { parseVary } from './key.js';
import { canCompress, type Encoding, negotiateEncoding, type Variant, variantOf } from './variants.js';

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
  readonly onError: (problem: ProblemError) => void;
  /** Headers set before the cache ran; everything else on `res` is replaced by the entry's. */
  readonly before: OutgoingHttpHeaders;
}

function resetHeaders(res: ServerResponse, before: OutgoingHttpHeaders): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(before)) if (value !== undefined) res.setHeader(name, value);
}

function withVary(current: string | string[] | undefined, name: string): string {
  const names = parseVary(current);
  return names.includes(name.toLowerCase())
    ? Array.isArray(current)
      ? current.join(', ')
      : String(current)
    : [current, name].filter(Boolean).join(', ');
}

/** Picks the variant of `entry` for this request (compressing it once if needed). */
export async function selectVariant(req: IncomingMessage, entry: CacheEntry, options: ServeOptions): Promise<Variant> {
  if (!options.encodings || !canCompress(entry, options.threshold)) {
    return { encoding: 'identity', body: entry.body, etag: entry.etag };
  }
  const accept = req.headers['accept-encoding'];
  return variantOf(entry, negotiateEncoding(typeof accept === 'string' ? accept : undefined, options.encodings));
}

/** Sends `entry` on `res` (whose own methods must be in place), answering 304 when the request's validators match. */
export async function serveEntry(
  req: IncomingMessage,
  res: ServerResponse,
  entry: CacheEntry,
  options: ServeOptions,
): Promise<void> {
  const variant = await selectVariant(req, entry, options);
  const compressible = options.encodings !== undefined && canCompress(entry, options.threshold);
  resetHeaders(res, options.before);
  const headers: OutgoingHttpHeaders = { ...entry.headers, etag: variant.etag };
  if (compressible) headers.vary = withVary(entry.headers.vary, 'Accept-Encoding');
  const lastModified = entry.headers['last-modified'];
  const method = options.method;
  const precondition = evaluatePreconditions({
    method,
    headers: options.conditional,
    etag: variant.etag,
    lastModified: typeof lastModified === 'string' ? lastModified : undefined,
  });
  const extra: OutgoingHttpHeaders = { 'x-cache': options.outcome, 'cache-status': options.cacheStatus };
  if (options.age !== undefined) extra.age = String(options.age);

  if (precondition === 'precondition-failed') {
    for (const [name, value] of Object.entries(extra)) if (value !== undefined) res.setHeader(name, value);
    options.onError(
      new ProblemError(412, {
        type: problemType('precondition-failed'),
        title: 'Precondition Failed',
        detail: "The request's If-Match / If-Unmodified-Since does not match the current representation",
      }),
    );
    return;
  }
  if (precondition === 'not-modified') {
    res.statusCode = 304;
    for (const [name, value] of Object.entries({ ...notModifiedHeaders(headers), ...extra })) {
      if (value !== undefined) res.setHeader(name, value);
    }
    res.end();
    return;
  }
  res.statusCode = entry.status;
  for (const [name, value] of Object.entries({ ...headers, ...extra })) {
    if (value !== undefined) res.setHeader(name, value);
  }
  if (variant.encoding !== 'identity') res.setHeader('content-encoding', variant.encoding);
  const noBody = entry.status === 204 || entry.status === 304;
  if (noBody) {
    res.removeHeader('content-length');
    res.end();
    return;
  }
  res.setHeader('content-length', String(variant.body.length));
  res.end(method === 'HEAD' ? undefined : variant.body);
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
