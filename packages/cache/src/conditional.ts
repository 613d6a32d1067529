/*
 * Conditional requests (RFC 9110 §13), pure: no req/res. Owned by engineer A.
 * Interface for engineer B (stable names; A only extends):
 *   evaluatePreconditions(input) → 'proceed' | 'not-modified' | 'precondition-failed'
 *   checkPreconditions(input) → { result, header } (the header that decided)
 *   notModifiedHeaders(headers, keep?) → the headers a 304 may carry (§15.4.5)
 *   fresh(reqHeaders, resHeaders) → boolean, the `fresh` package's semantics (GET/HEAD revalidation)
 *   parseEntityTags, weakMatch, strongMatch, parseHttpDate, isSafeMethod
 * Public exports added by A to src/index.ts: etag, requireIfMatch, evaluatePreconditions,
 * notModifiedHeaders, strongEtag, weakEtag and the option/validator types.
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

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

/** A parsed entity tag. */
export interface EntityTag {
  weak: boolean;
  /** The opaque tag including its double quotes, e.g. `"abc"`. */
  opaque: string;
}

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

/** Weak comparison (§8.8.3.2): the opaque tags are equal, either or both may be weak. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** Strong comparison (§8.8.3.2): neither is weak and the opaque tags are equal. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Parses one entity tag (`"x"`, `W/"x"`); `undefined` when it is not one. */
export function parseEntityTag(value: string): EntityTag | undefined {
  const tags = parseEntityTags(value);
  return tags !== '*' && tags.length === 1 ? tags[0] : undefined;
}

/**
 * Parses an `If-Match`/`If-None-Match` value: `'*'` when the field is exactly `*`, else the valid
 * entity tags of the comma-separated list (commas inside quotes are part of the tag). Members that
 * are not entity tags (unquoted words, a `*` inside a list) are skipped: they match nothing.
 */
export function parseEntityTags(value: string): '*' | EntityTag[] {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < trimmed.length) {
    let end = i;
    let weak = false;
    if (trimmed.startsWith('W/"', i)) {
      weak = true;
      end = i + 2;
    }
    if (trimmed[end] === '"') {
      const close = trimmed.indexOf('"', end + 1);
      if (close !== -1 && isMemberEnd(trimmed, close + 1)) {
        const opaque = trimmed.slice(end, close + 1);
        if (isOpaqueTag(opaque)) tags.push({ weak, opaque });
        i = skipSeparator(trimmed, close + 1);
        continue;
      }
    }
    // Not an entity tag: skip the member up to the next comma.
    const comma = trimmed.indexOf(',', i);
    if (comma === -1) break;
    i = skipSeparator(trimmed, comma);
  }
  return tags;
}

/** etagc = %x21 / %x23-7E / obs-text */
const OPAQUE_TAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/;

function isOpaqueTag(opaque: string): boolean {
  return OPAQUE_TAG.test(opaque);
}

/** After a tag only optional whitespace and a comma (or the end) may follow. */
function isMemberEnd(text: string, index: number): boolean {
  let i = index;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i === text.length || text[i] === ',';
}

function skipSeparator(text: string, index: number): number {
  let i = index;
  while (text[i] === ' ' || text[i] === '\t' || text[i] === ',') i++;
  return i;
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
