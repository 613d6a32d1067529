/** `etag()` and `requireIfMatch()`: the Express adapter of strong ETags and RFC 9110 preconditions. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ProblemError } from '@expresskit/core';
import type { Request, RequestHandler, Response } from 'express';
import {
  checkPreconditions,
  notModifiedHeaders,
  parseHttpDate,
  preconditionFailed,
  preconditionRequired,
} from './conditional.js';
import { type Config, type EtagOptions, type ResourceValidators, resolve } from './etag-options.js';
import { parseEntityTag, parseEntityTags, tagOf, toEntityTag } from './hash.js';

export type { EtagOptions, PreconditionErrorHandler, ResourceValidators } from './etag-options.js';

/** Private per-response state. */
interface State {
  /** A 304 or a problem was sent; the wrappers pass everything through. */
  answered: boolean;
  /** The body's preconditions were evaluated (`res.send` then `res.end` evaluate once). */
  evaluated: boolean;
  /** Inside Express's `res.send` for a body it converts itself; an ETag now is Express's own. */
  expressMayTag: boolean;
  config: Config;
  req: Request;
  /** The methods the wrappers call on (set when `etag()` wraps the response). */
  send: Response['send'];
  end: Response['end'];
  setHeader: Response['setHeader'];
  /** The strong tag sent with the body, made weak when a Content-Encoding is set after it. */
  weakenTag: string | undefined;
}

/* One set of wrapper functions for every response (no closures per request): each finds its
   response's state here. */
const states = new WeakMap<Response, State>();

function newState(res: Response, config: Config, req: Request): State {
  return {
    answered: false,
    evaluated: false,
    expressMayTag: false,
    config,
    req,
    send: res.send,
    end: res.end,
    setHeader: res.setHeader,
    weakenTag: undefined,
  };
}

function stateOf(res: Response): State {
  const state = states.get(res);
  if (state === undefined) throw new TypeError('etag(): a wrapped response method was called on another response');
  return state;
}

/**
 * Strong ETags for buffered responses (`res.send`, `res.json`, `res.end(body)`) and RFC 9110
 * conditional request handling (`If-None-Match`, `If-Modified-Since` → 304; `If-Match`,
 * `If-Unmodified-Since` → 412) on every route. Handlers declare the validators of a resource
 * before changing it with `res.precondition({ etag })`.
 *
 * Mount it after `compression()`: the ETag describes the identity body and is made weak when the
 * response is compressed.
 */
export function etag(options: EtagOptions = {}): RequestHandler {
  const config = resolve('etag', options);
  return function etagMiddleware(req, res, next): void {
    // Mounted again further down (e.g. on a router with other options): the inner options win.
    let state = states.get(res);
    if (state === undefined) {
      state = newState(res, config, req);
      states.set(res, state);
      res.precondition = preconditionMethod;
      res.send = sendWithEtag as Response['send'];
      res.end = endWithEtag as Response['end'];
    } else state.config = config;
    if (config.requireIfMatch.has(req.method) && !hasIfMatch(req.headers)) {
      answerProblem(res, state, preconditionRequired(req.method, req.originalUrl));
      return;
    }
    next();
  };
}

/**
 * A route-level guard: **428 Precondition Required** unless the request carries `If-Match`, for
 * every method that is not safe (`app.put('/items/:id', requireIfMatch(), handler)`).
 */
export function requireIfMatch(options: Pick<EtagOptions, 'onError'> = {}): RequestHandler {
  const config = resolve('requireIfMatch', options);
  return function requireIfMatchMiddleware(req, res, next): void {
    const safe = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.method === 'TRACE';
    if (safe || hasIfMatch(req.headers)) {
      next();
      return;
    }
    answerProblem(
      res,
      states.get(res) ?? newState(res, config, req),
      preconditionRequired(req.method, req.originalUrl),
    );
  };
}

function hasIfMatch(headers: IncomingHttpHeaders): boolean {
  const value = headers['if-match'];
  return value !== undefined && value.trim() !== '';
}

/** `res.precondition(validators)`: true to go on, false when a 304/412 was sent. */
function preconditionMethod(this: Response, validators: ResourceValidators): boolean {
  const state = stateOf(this);
  const { req } = state;
  const tag = normaliseEtag(validators.etag);
  const exists = validators.exists !== false;
  const getOrHead = req.method === 'GET' || req.method === 'HEAD';
  if (getOrHead && exists && !this.headersSent) {
    if (tag !== undefined && this.getHeader('ETag') === undefined) this.setHeader('ETag', tag);
    const lastModified = httpDate(validators.lastModified);
    if (lastModified !== undefined && this.getHeader('Last-Modified') === undefined) {
      this.setHeader('Last-Modified', lastModified);
    }
  }
  const { result, header } = checkPreconditions({
    method: req.method,
    headers: req.headers,
    etag: tag,
    lastModified: validators.lastModified,
    exists,
  });
  if (result === 'proceed') return true;
  if (result === 'not-modified') sendNotModified(this, state);
  else answerProblem(this, state, preconditionFailed(header, req.originalUrl));
  return false;
}

/** `res.send` of a response `etag()` handles (it sees the body of HEAD responses too). */
function sendWithEtag(this: Response, ...args: unknown[]): Response {
  const state = stateOf(this);
  const body = args[0];
  // Express 4 JSON-encodes other views; Express 5 sends them through res.end, hashed there.
  if (args.length === 1 && (typeof body === 'string' || Buffer.isBuffer(body))) {
    if (decide(this, state, body, undefined)) return this;
  }
  // Other bodies reach res.end through Express, which may tag them itself first: replace that tag.
  // Once evaluated (or answered), res.end passes everything through: nothing to track.
  const track = !state.evaluated && !state.answered;
  if (track) state.expressMayTag = this.getHeader('ETag') === undefined;
  try {
    return state.send.apply(this, args as Parameters<Response['send']>);
  } finally {
    if (track) state.expressMayTag = false;
  }
}

/** `res.end` of a response `etag()` handles (plain bodies, and what `res.send` ends with). */
function endWithEtag(this: Response, ...args: unknown[]): Response {
  const state = stateOf(this);
  // Already evaluated by res.send (the usual case), answered, or not a candidate: no body copy.
  if (candidate(this, state)) {
    const [chunk, encoding] = args;
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    let body: string | Uint8Array | undefined;
    if (typeof chunk === 'string') {
      // UTF-8 strings are hashed as they are; other encodings are tagged by their bytes.
      const charset = bufferEncoding(encoding);
      body = charset === 'utf8' || charset === 'utf-8' ? chunk : Buffer.from(chunk, charset);
    } else if (chunk instanceof Uint8Array) body = chunk;
    if (decide(this, state, body, callback)) return this;
  }
  return state.end.apply(this, args as Parameters<Response['end']>);
}

/** Whether a body sent now still needs a decision (a 2xx GET/HEAD not yet evaluated or answered). */
function candidate(res: Response, state: State): boolean {
  if (state.answered || state.evaluated || res.headersSent) return false;
  const method = state.req.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const status = res.statusCode;
  return status >= 200 && status <= 299 && status !== 204 && status !== 205 && status !== 206;
}

/** Whether the request carries none of the four precondition headers (nothing to evaluate). */
function unconditional(headers: IncomingHttpHeaders): boolean {
  return (
    headers['if-none-match'] === undefined &&
    headers['if-match'] === undefined &&
    headers['if-modified-since'] === undefined &&
    headers['if-unmodified-since'] === undefined
  );
}

/**
 * For a 2xx GET/HEAD response about to be sent in one piece: hashes the body (unless the handler
 * set an ETag, or there is no body, as for HEAD through `res.end()`) and evaluates the request's
 * preconditions. Returns `true` when it answered (304 or problem). Streamed responses (headers
 * already sent), other statuses (and 204/205/206) and other methods pass untouched.
 */
function decide(
  res: Response,
  state: State,
  body: string | Uint8Array | undefined,
  callback: (() => void) | undefined,
): boolean {
  if (!candidate(res, state)) return false;
  const { req, config } = state;
  state.evaluated = true;
  let tag = state.expressMayTag && body !== undefined ? undefined : headerString(res.getHeader('ETag'));
  if (tag === undefined && body !== undefined) {
    const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
    if (size <= config.maxSize) {
      tag = tagOf(body, size);
      if (config.weak) tag = `W/${tag}`;
      res.setHeader('ETag', tag);
    }
  }
  if (unconditional(req.headers)) {
    if (tag !== undefined && res.getHeader('Content-Encoding') === undefined) weakenWhenEncoded(res, state, tag);
    return false;
  }
  const { result, header } = checkPreconditions({
    method: req.method,
    headers: req.headers,
    etag: tag,
    lastModified: headerString(res.getHeader('Last-Modified')),
  });
  if (result === 'not-modified') sendNotModified(res, state, callback);
  else if (result === 'precondition-failed') answerProblem(res, state, preconditionFailed(header, req.originalUrl));
  else if (tag !== undefined && res.getHeader('Content-Encoding') === undefined) weakenWhenEncoded(res, state, tag);
  return result !== 'proceed';
}

/**
 * A strong ETag describes exact bytes. When a later middleware (`compression`) sets a
 * Content-Encoding, the bytes change, so the tag becomes weak: `W/"…"` (what nginx does too).
 */
function weakenWhenEncoded(res: Response, state: State, tag: string): void {
  if (!tag.startsWith('"') || parseEntityTag(tag)?.weak !== false) return;
  state.weakenTag = tag;
  state.setHeader = res.setHeader;
  res.setHeader = setHeaderWeakening as Response['setHeader'];
}

function setHeaderWeakening(this: Response, name: string, value: number | string | readonly string[]): Response {
  const state = stateOf(this);
  const tag = state.weakenTag;
  if (tag !== undefined && name.length === 16 && name.toLowerCase() === 'content-encoding') {
    const encoding = String(value).trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity' && this.getHeader('ETag') === tag) {
      state.setHeader.call(this, 'ETag', `W/${tag}`);
    }
  }
  return state.setHeader.call(this, name, value);
}

/** Ends with 304 and only the headers §15.4.5 allows (plus `keepOn304`), no body. */
function sendNotModified(res: Response, state: State, callback?: () => void): void {
  state.answered = true;
  if (res.headersSent) return;
  const tag = headerString(res.getHeader('ETag'));
  const contentType = res.getHeader('Content-Type');
  const keep = notModifiedHeaders(res.getHeaders(), state.config.keepOn304);
  for (const name of res.getHeaderNames()) if (!Object.hasOwn(keep, name)) res.removeHeader(name);
  // A client that holds the weakened (compressed) form of a strong tag gets that form back.
  const current = tag === undefined ? undefined : parseEntityTag(tag);
  const held = parseEntityTags(state.req.headers['if-none-match'] ?? '');
  if (current?.weak === false && held !== '*') {
    const same = held.filter((t) => t.opaque === current.opaque);
    if (same.length > 0 && same.every((t) => t.weak)) res.setHeader('ETag', `W/${current.opaque}`);
  }
  res.statusCode = 304;
  // The 304 must repeat the Vary the 200 would have had. `compression` adds `Vary: Accept-Encoding`
  // when the headers are written, judging by the Content-Type: let it read the 200's type.
  const getHeader = res.getHeader;
  if (contentType !== undefined) {
    res.getHeader = function getHeaderOf200(this: Response, name: string) {
      const value = getHeader.call(this, name);
      return value === undefined && name.toLowerCase() === 'content-type' ? contentType : value;
    } as Response['getHeader'];
  }
  try {
    res.end(callback);
  } finally {
    res.getHeader = getHeader;
  }
}

/** Representation headers that must not describe a 412/428 problem body. */
const REPRESENTATION_HEADERS = [
  'etag',
  'last-modified',
  'cache-control',
  'expires',
  'content-type',
  'content-length',
  'content-encoding',
  'content-location',
];

function answerProblem(res: Response, state: State, problem: ProblemError): void {
  state.answered = true;
  if (!res.headersSent) for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
  state.config.onError(problem, state.req, res);
}

/** A declared entity tag, quoted when given bare (`v42` → `"v42"`). */
function normaliseEtag(value: string | undefined): string | undefined {
  const tag = typeof value === 'string' ? toEntityTag(value) : undefined;
  if (value === undefined || tag !== undefined) return tag;
  throw new TypeError(
    `res.precondition: "etag" must be an entity tag such as "v1", W/"v1" or v1, got ${JSON.stringify(value)}`,
  );
}

/** A modification date as an IMF-fixdate, `undefined` when invalid. */
function httpDate(value: Date | number | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date =
    value instanceof Date
      ? value
      : new Date(typeof value === 'string' ? (parseHttpDate(value) ?? Date.parse(value)) : value);
  return Number.isFinite(date.getTime()) ? date.toUTCString() : undefined;
}

function headerString(value: number | string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function bufferEncoding(encoding: unknown): BufferEncoding {
  return typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
}
