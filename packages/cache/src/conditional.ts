/*
 * Conditional requests (RFC 9110 §13), pure: no req/res. Owned by engineer A.
 * Interface for engineer B (stable names; A only extends):
 *   evaluatePreconditions(input) → 'proceed' | 'not-modified' | 'precondition-failed'
 *   checkPreconditions(input) → { result, header } (the header that decided)
 *   notModifiedHeaders(headers, keep?) → the headers a 304 may carry (§15.4.5)
 *   fresh(reqHeaders, resHeaders) → boolean, the `fresh` package's semantics (GET/HEAD revalidation)
 *   parseHttpDate, isSafeMethod, preconditionFailed(header, instance?) / preconditionRequired(method,
 *   instance?) → the 412/428 ProblemError etag() sends (B may reuse them for the cache's 412)
 *   parseEntityTag(s), weakMatch, strongMatch: re-exported from ./hash.js (entity tags live there)
 * Public exports added by A to src/index.ts: etag, requireIfMatch, evaluatePreconditions,
 * checkPreconditions, fresh, notModifiedHeaders, strongEtag, weakEtag and the option types.
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import { ProblemError, problemType } from '@expresskit/core';
import { parseEntityTag, parseEntityTags, strongMatch, weakMatch } from './hash.js';

export { type EntityTag, parseEntityTag, parseEntityTags, strongMatch, weakMatch } from './hash.js';

/** A request header value as Node exposes it. */
type HeaderValue = string | readonly string[] | undefined;

/** The request headers that make a request conditional (lower-case names, as in `req.headers`). */
export interface ConditionalRequestHeaders {
  'if-match'?: HeaderValue;
  'if-none-match'?: HeaderValue;
  'if-modified-since'?: HeaderValue;
  'if-unmodified-since'?: HeaderValue;
}

/** What the server knows about the selected representation. */
export interface Validators {
  /** The current entity tag, e.g. `"3-abc"` or `W/"3-abc"`. */
  etag?: string | undefined;
  /** The current modification date: a `Date`, epoch milliseconds or an HTTP-date string. */
  lastModified?: string | number | Date | undefined;
  /**
   * Whether the target resource currently has a representation. `false` makes `If-Match: *` fail
   * and `If-None-Match: *` pass (create-only `PUT`).
   * @default true
   */
  exists?: boolean | undefined;
}

export interface PreconditionInput extends Validators {
  /** The request method (any case). */
  method: string;
  headers: ConditionalRequestHeaders;
}

export type PreconditionResult = 'proceed' | 'not-modified' | 'precondition-failed';

/**
 * Evaluates the preconditions of a request in the order of RFC 9110 §13.2.2:
 * 1. `If-Match` (strong comparison; `*` = "a representation exists") → 412 when false;
 * 2. else `If-Unmodified-Since` (only with a known, valid modification date) → 412 when false;
 * 3. `If-None-Match` (weak comparison; `*`) → when false: 304 for GET/HEAD, 412 otherwise;
 * 4. else, for GET/HEAD only, `If-Modified-Since` (only with a known modification date) → 304.
 * Invalid dates and multi-valued date fields are ignored; empty fields count as absent.
 * CONNECT, OPTIONS and TRACE ignore preconditions (§13.2.1). The caller applies the other rule of
 * §13.2.1: evaluate only when the response would otherwise be 2xx (or 412).
 */
export function evaluatePreconditions(input: PreconditionInput): PreconditionResult {
  return checkPreconditions(input).result;
}

/** The header whose condition decided the outcome, for messages (`undefined` for `proceed`). */
export type ConditionalHeader = keyof ConditionalRequestHeaders;

/** `evaluatePreconditions` plus the header that decided it. */
export function checkPreconditions(input: PreconditionInput): {
  result: PreconditionResult;
  header: ConditionalHeader | undefined;
} {
  const method = input.method.toUpperCase();
  if (method === 'CONNECT' || method === 'OPTIONS' || method === 'TRACE') return PROCEED;
  const exists = input.exists !== false;
  const getOrHead = method === 'GET' || method === 'HEAD';
  const ifMatch = headerText(input.headers['if-match']);
  const ifNoneMatch = headerText(input.headers['if-none-match']);
  const lastModified = exists ? toEpochSeconds(input.lastModified) : undefined;

  if (ifMatch !== undefined) {
    if (!ifMatchPasses(ifMatch, input.etag, exists)) return { result: 'precondition-failed', header: 'if-match' };
  } else {
    const since = dateHeader(input.headers['if-unmodified-since']);
    if (since !== undefined && lastModified !== undefined && lastModified > since) {
      return { result: 'precondition-failed', header: 'if-unmodified-since' };
    }
  }

  if (ifNoneMatch !== undefined) {
    if (!ifNoneMatchPasses(ifNoneMatch, input.etag, exists)) {
      return { result: getOrHead ? 'not-modified' : 'precondition-failed', header: 'if-none-match' };
    }
  } else if (getOrHead) {
    const since = dateHeader(input.headers['if-modified-since']);
    if (since !== undefined && lastModified !== undefined && lastModified <= since) {
      return { result: 'not-modified', header: 'if-modified-since' };
    }
  }
  return PROCEED;
}

const PROCEED = { result: 'proceed', header: undefined } as const;

/** `If-Match` (§13.1.1): `*` is true when a representation exists; a list needs a strong match. */
function ifMatchPasses(field: string, etag: string | undefined, exists: boolean): boolean {
  const tags = parseEntityTags(field);
  if (tags === '*') return exists;
  const current = etag === undefined || !exists ? undefined : parseEntityTag(etag);
  return current !== undefined && tags.some((tag) => strongMatch(tag, current));
}

/** `If-None-Match` (§13.1.2): `*` is false when a representation exists; false on any weak match. */
function ifNoneMatchPasses(field: string, etag: string | undefined, exists: boolean): boolean {
  const tags = parseEntityTags(field);
  if (tags === '*') return !exists;
  const current = etag === undefined || !exists ? undefined : parseEntityTag(etag);
  return current === undefined || !tags.some((tag) => weakMatch(tag, current));
}

/**
 * The `fresh` package's question: may a GET/HEAD with these request headers be answered 304, given
 * these response headers (`etag`, `last-modified`)? Like `fresh`, `Cache-Control: no-cache` in the
 * request forces a full response (end-to-end reload), `If-None-Match` takes precedence over
 * `If-Modified-Since`, and `*` matches any existing representation.
 */
export function fresh(
  reqHeaders: ConditionalRequestHeaders & { 'cache-control'?: HeaderValue },
  resHeaders: { etag?: OutgoingHttpHeader | undefined; 'last-modified'?: OutgoingHttpHeader | undefined },
): boolean {
  const ifNoneMatch = headerText(reqHeaders['if-none-match']);
  const ifModifiedSince = headerText(reqHeaders['if-modified-since']);
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
  const cacheControl = headerText(reqHeaders['cache-control']);
  if (cacheControl !== undefined && /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(cacheControl)) return false;
  const etag = typeof resHeaders.etag === 'string' ? resHeaders.etag : undefined;
  const lastModified = typeof resHeaders['last-modified'] === 'string' ? resHeaders['last-modified'] : undefined;
  if (ifNoneMatch !== undefined) {
    const tags = parseEntityTags(ifNoneMatch);
    if (tags === '*') return true;
    const current = etag === undefined ? undefined : parseEntityTag(etag);
    return current !== undefined && tags.some((tag) => weakMatch(tag, current));
  }
  return (
    evaluatePreconditions({
      method: 'GET',
      headers: { 'if-modified-since': ifModifiedSince },
      lastModified: lastModified === undefined ? undefined : (parseHttpDate(lastModified) ?? Number.NaN),
    }) === 'not-modified'
  );
}

/** Response headers a 304 may carry (RFC 9110 §15.4.5). `Last-Modified` only when there is no ETag. */
const NOT_MODIFIED_HEADERS = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'];

/**
 * The subset of `headers` a 304 response may carry: `Cache-Control`, `Content-Location`, `Date`,
 * `ETag`, `Expires`, `Vary`, plus `Last-Modified` when there is no `ETag` (it then guides cache
 * updates, §15.4.5), plus the lower-case names in `keep`. Names are returned lower-case.
 */
export function notModifiedHeaders(
  headers: OutgoingHttpHeaders | Readonly<Record<string, OutgoingHttpHeader | undefined>>,
  keep: readonly string[] = [],
): OutgoingHttpHeaders {
  const lower = new Map<string, OutgoingHttpHeader>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lower.set(name.toLowerCase(), value);
  }
  const allowed = new Set([...NOT_MODIFIED_HEADERS, ...keep.map((name) => name.toLowerCase())]);
  if (!lower.has('etag')) allowed.add('last-modified');
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of lower) if (allowed.has(name)) result[name] = value;
  return result;
}

/** GET, HEAD, OPTIONS and TRACE are safe (RFC 9110 §9.2.1). */
export function isSafeMethod(method: string): boolean {
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'HEAD' || upper === 'OPTIONS' || upper === 'TRACE';
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms) to
 * epoch milliseconds; `undefined` for anything else. Stricter than `Date.parse`, which accepts
 * strings such as `"1"`.
 */
export function parseHttpDate(value: string): number | undefined {
  const parts = dateParts(value.trim());
  if (parts === undefined) return undefined;
  const [day, month, year, hours, minutes, seconds] = parts;
  const monthIndex = MONTHS.indexOf(month.toLowerCase());
  if (day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const ms = Date.UTC(year, monthIndex, day, hours, minutes, Math.min(seconds, 59));
  // Reject dates such as 31 Feb that Date.UTC would roll over into the next month.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/** [day, month name, year, hours, minutes, seconds] of the three HTTP-date forms. */
function dateParts(text: string): [number, string, number, number, number, number] | undefined {
  const imf = IMF_FIXDATE.exec(text);
  if (imf !== null) {
    const [, day = '', month = '', year = '', h = '', m = '', s = ''] = imf;
    return [Number(day), month, Number(year), Number(h), Number(m), Number(s)];
  }
  const rfc850 = RFC850_DATE.exec(text);
  if (rfc850 !== null) {
    const [, day = '', month = '', year = '', h = '', m = '', s = ''] = rfc850;
    // A two-digit year more than 50 years in the future is in the past century (§5.6.7).
    const twoDigits = Number(year);
    const fullYear = 2000 + twoDigits > new Date().getUTCFullYear() + 50 ? 1900 + twoDigits : 2000 + twoDigits;
    return [Number(day), month, fullYear, Number(h), Number(m), Number(s)];
  }
  const asctime = ASCTIME_DATE.exec(text);
  if (asctime !== null) {
    const [, month = '', day = '', h = '', m = '', s = '', year = ''] = asctime;
    return [Number(day.trim()), month, Number(year), Number(h), Number(m), Number(s)];
  }
  return undefined;
}

/** A request header as one string; `undefined` when absent or empty. Repeated fields are joined. */
function headerText(value: HeaderValue): string | undefined {
  const text = typeof value === 'string' ? value : value?.join(', ');
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** A date request header in whole seconds; `undefined` when absent, invalid or repeated. */
function dateHeader(value: HeaderValue): number | undefined {
  if (value === undefined || (typeof value !== 'string' && value.length !== 1)) return undefined;
  const text = typeof value === 'string' ? value : value[0];
  const ms = text === undefined ? undefined : parseHttpDate(text);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** A modification date in whole seconds (HTTP dates have one-second resolution). */
function toEpochSeconds(value: string | number | Date | undefined): number | undefined {
  let ms: number | undefined;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') ms = parseHttpDate(value) ?? Date.parse(value);
  return ms === undefined || !Number.isFinite(ms) ? undefined : Math.floor(ms / 1000);
}

const HEADER_NAMES: Record<ConditionalHeader, string> = {
  'if-match': 'If-Match',
  'if-none-match': 'If-None-Match',
  'if-modified-since': 'If-Modified-Since',
  'if-unmodified-since': 'If-Unmodified-Since',
};

const FAILED_DETAILS: Record<ConditionalHeader, string> = {
  'if-match': 'If-Match does not match the current entity tag of the resource: it was changed (or does not exist)',
  'if-unmodified-since': 'The resource was modified after the If-Unmodified-Since date',
  'if-none-match': 'If-None-Match matches the current representation of the resource',
  'if-modified-since': 'The resource was not modified since the If-Modified-Since date',
};

/** The 412 problem for the header that failed (`instance`: the request URL). */
export function preconditionFailed(header: ConditionalHeader | undefined, instance?: string): ProblemError {
  const name = header ?? 'if-match';
  return new ProblemError(412, {
    type: problemType('precondition-failed'),
    title: 'Precondition Failed',
    detail: FAILED_DETAILS[name],
    ...(instance === undefined ? {} : { instance }),
    extensions: { header: HEADER_NAMES[name] },
  });
}

/** The 428 problem for a `method` request that came without `If-Match`. */
export function preconditionRequired(method: string, instance?: string): ProblemError {
  return new ProblemError(428, {
    type: problemType('precondition-required'),
    title: 'Precondition Required',
    detail: `${method} requests must be conditional: send If-Match with the ETag of the representation you are changing`,
    ...(instance === undefined ? {} : { instance }),
    extensions: { header: 'If-Match' },
  });
}
