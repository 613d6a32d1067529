/** `etag()` and `requireIfMatch()`: the Express adapter of strong ETags and RFC 9110 preconditions. */
import type { IncomingHttpHeaders } from 'node:http';
import { ExpressLayer } from '@expresskit/core';
import type { RequestHandler, Response } from 'express';
import { checkPreconditions, parseHttpDate, preconditionFailed, preconditionRequired } from './conditional.js';
import { type EtagOptions, type ResourceValidators, resolve } from './etag-options.js';
import { answerProblem, headerString, newState, type State, sendNotModified, stateOf, states } from './etag-state.js';
import { parseEntityTag, tagWithin, toEntityTag } from './hash.js';

export type { EtagOptions, PreconditionErrorHandler, ResourceValidators } from './etag-options.js';

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
      state = newState(config);
      states.set(res, state);
      attach(res, state);
    } else state.config = config;
    // (Reads req.method only when some method requires If-Match: by default none does.)
    if (config.requireIfMatch.size !== 0 && config.requireIfMatch.has(req.method) && !hasIfMatch(req.headers)) {
      answerProblem(res, state, preconditionRequired(req.method, req.originalUrl));
      return;
    }
    next();
  };
}

/** The members of the layer (see `ExpressLayer`): `res.precondition` and the three wrappers. */
interface Layer {
  precondition: Response['precondition'];
  send: Response['send'];
  end: Response['end'];
  setHeader: Response['setHeader'];
}

/**
 * The wrappers live on a layer of the app's response prototype, not on each response (an own
 * property per response costs a hidden class each, see `ExpressLayer`). Each finds its response's
 * state, and passes through to the method above the layer for responses `etag()` does not handle,
 * or whose own wrapper (below) is in charge.
 */
const layer = new ExpressLayer('@expresskit/cache etag()', (parent) => {
  const up = parent as Response;
  return {
    precondition: { value: preconditionMethod, writable: true, configurable: true },
    send: {
      value: function send(this: Response, ...args: unknown[]): Response {
        const state = states.get(this);
        if (state === undefined || state.ownSend) return up.send.apply(this, args as Parameters<Response['send']>);
        return sendBody(this, state, args, up.send);
      },
      writable: true,
      configurable: true,
    },
    end: {
      value: function end(this: Response, ...args: unknown[]): Response {
        const state = states.get(this);
        if (state === undefined || state.ownEnd) return up.end.apply(this, args as Parameters<Response['end']>);
        return endBody(this, state, args, up.end);
      },
      writable: true,
      configurable: true,
    },
    setHeader: {
      value: function setHeader(this: Response, name: string, value: number | string | readonly string[]): Response {
        // Only Content-Encoding concerns etag(): other names skip the state lookup.
        const state = name.length === 16 ? states.get(this) : undefined;
        if (state === undefined || state.weakenTag === undefined || state.ownSetHeader) {
          return up.setHeader.call(this, name, value);
        }
        return weakenOn(this, state, name, value, up.setHeader);
      },
      writable: true,
      configurable: true,
    },
  } satisfies Record<keyof Layer, PropertyDescriptor>;
});

/**
 * Makes `res.send`/`res.end`/`res.precondition` reach `etag()`. Through the layer when it is in
 * `res`'s prototype chain and nothing shadows it; as own properties otherwise: for a response that
 * is not an Express one, and for a method an earlier middleware already wrapped on the response
 * (`compression()` wraps `res.end`): ours must then wrap theirs, as mounting order says.
 */
function attach(res: Response, state: State): void {
  let found = layer.of(res) as Layer | undefined;
  // An app mounted into another one after its first request lost the layer: look again.
  if (found !== undefined && res.precondition !== preconditionMethod) found = layer.of(res, true) as Layer | undefined;
  state.layer = found;
  if (found === undefined || res.precondition !== preconditionMethod) res.precondition = preconditionMethod;
  if (found === undefined || res.send !== found.send) {
    state.ownSend = true;
    res.send = ownSend(res.send);
  }
  if (found === undefined || res.end !== found.end) {
    state.ownEnd = true;
    res.end = ownEnd(res.end);
  }
}

/*
 * The own-property wrappers are closures over the method they wrap (the state must not refer to
 * it: `compression()`'s `res.end` closes over the response).
 */
function ownSend(next: Response['send']): Response['send'] {
  return function sendWithEtag(this: Response, ...args: unknown[]): Response {
    return sendBody(this, stateOf(this), args, next);
  } as Response['send'];
}

function ownEnd(next: Response['end']): Response['end'] {
  return function endWithEtag(this: Response, ...args: unknown[]): Response {
    return endBody(this, stateOf(this), args, next);
  } as Response['end'];
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
    answerProblem(res, states.get(res) ?? newState(config), preconditionRequired(req.method, req.originalUrl));
  };
}

function hasIfMatch(headers: IncomingHttpHeaders): boolean {
  const value = headers['if-match'];
  return value !== undefined && value.trim() !== '';
}

/** `res.precondition(validators)`: true to go on, false when a 304/412 was sent. */
function preconditionMethod(this: Response, validators: ResourceValidators): boolean {
  const state = stateOf(this);
  const { req } = this;
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

/** `res.send` of a response `etag()` handles (it sees the body of HEAD responses too); `next` sends. */
function sendBody(res: Response, state: State, args: unknown[], next: Response['send']): Response {
  const body = args[0];
  // A string is hashed as its UTF-8 bytes, which are what Express sends (it sends every string as
  // UTF-8). Express 4 JSON-encodes other views; Express 5 sends them through res.end, hashed there.
  if (args.length === 1 && (typeof body === 'string' || Buffer.isBuffer(body)) && candidate(res, state)) {
    // An unconditional GET's string is hashed in res.end, as the bytes Express encodes it to anyway
    // (or as the string itself, when Express keeps a short one): encoded once, not twice. Only
    // when our res.send and res.end are the ones Express calls (a res.end wrapper above ours, as
    // `compression()` mounted after etag(), may send the headers first; a res.send rewriter above
    // ours would make GET and HEAD disagree) and Express's own ETag is off (it would hash the body
    // again, only to have its tag replaced). HEAD (no body reaches res.end) and conditional
    // requests (Express's own freshness check runs before res.end and must see the tag) are
    // decided here.
    const deferred =
      typeof body === 'string' &&
      !state.ownSend &&
      state.layer !== undefined &&
      res.end === state.layer.end &&
      res.req.method === 'GET' &&
      unconditional(res.req.headers) &&
      typeof res.app.get('etag fn') !== 'function';
    if (!deferred && decide(res, state, body, undefined)) return res;
  }
  // Other bodies reach res.end through Express, which may tag them itself first: replace that tag.
  // Once evaluated (or answered), res.end passes everything through: nothing to track.
  const track = !state.evaluated && !state.answered;
  if (track) state.expressMayTag = res.getHeader('ETag') === undefined;
  try {
    return next.apply(res, args as Parameters<Response['send']>);
  } finally {
    if (track) state.expressMayTag = false;
  }
}

/** `res.end` of a response `etag()` handles (plain bodies, and what `res.send` ends with); `next` ends. */
function endBody(res: Response, state: State, args: unknown[], next: Response['end']): Response {
  // Already evaluated by res.send (the usual case), answered, or not a candidate: no body copy.
  if (candidate(res, state)) {
    const [chunk, encoding, last] = args;
    const callback = callbackOf(typeof last === 'function' ? last : typeof encoding === 'function' ? encoding : chunk);
    let body: string | Uint8Array | undefined;
    if (typeof chunk === 'string') {
      // UTF-8 strings are hashed as they are; other encodings are tagged by their bytes.
      const charset = bufferEncoding(encoding);
      body = charset === 'utf8' || charset === 'utf-8' ? chunk : Buffer.from(chunk, charset);
    } else if (chunk instanceof Uint8Array) body = chunk;
    if (decide(res, state, body, callback)) return res;
  }
  return next.apply(res, args as Parameters<Response['end']>);
}

function callbackOf(value: unknown): (() => void) | undefined {
  return typeof value === 'function' ? (value as () => void) : undefined;
}

/** Whether a body sent now still needs a decision (a 2xx GET/HEAD not yet evaluated or answered). */
function candidate(res: Response, state: State): boolean {
  if (state.answered || state.evaluated || res.headersSent) return false;
  const method = res.req.method;
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
 * For a 2xx GET/HEAD response about to be sent in one piece (the caller checked `candidate`):
 * hashes the body (unless the handler set an ETag, or there is no body, as for HEAD through
 * `res.end()`) and evaluates the request's preconditions. Returns `true` when it answered (304 or problem). Streamed responses (headers
 * already sent), other statuses (and 204/205/206) and other methods pass untouched.
 */
function decide(
  res: Response,
  state: State,
  body: string | Uint8Array | undefined,
  callback: (() => void) | undefined,
): boolean {
  const { config } = state;
  const req = res.req;
  state.evaluated = true;
  let tag = state.expressMayTag && body !== undefined ? undefined : headerString(res.getHeader('ETag'));
  /** The tag is a strong one made here (no need to parse it). */
  let strong = false;
  if (tag === undefined && body !== undefined) {
    tag = tagWithin(body, config.maxSize);
    if (tag !== undefined) {
      if (config.weak) tag = `W/${tag}`;
      else strong = true;
      res.setHeader('ETag', tag);
    }
  }
  if (unconditional(req.headers)) {
    if (tag !== undefined && res.getHeader('Content-Encoding') === undefined)
      weakenWhenEncoded(res, state, tag, strong);
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
  else if (tag !== undefined && res.getHeader('Content-Encoding') === undefined) {
    weakenWhenEncoded(res, state, tag, strong);
  }
  return result !== 'proceed';
}

/**
 * A strong ETag describes exact bytes. When a later middleware (`compression`) sets a
 * Content-Encoding, the bytes change, so the tag becomes weak: `W/"…"` (what nginx does too).
 */
function weakenWhenEncoded(res: Response, state: State, tag: string, strong: boolean): void {
  if (!strong && (!tag.startsWith('"') || parseEntityTag(tag)?.weak !== false)) return;
  state.weakenTag = tag;
  // The layer's setHeader watches for it, unless something shadows it on this response.
  if (state.ownSetHeader || (state.layer !== undefined && res.setHeader === state.layer.setHeader)) return;
  state.ownSetHeader = true;
  const next = res.setHeader;
  res.setHeader = function setHeaderWeakening(
    this: Response,
    name: string,
    value: number | string | readonly string[],
  ): Response {
    return weakenOn(this, stateOf(this), name, value, next);
  } as Response['setHeader'];
}

/** `res.setHeader(name, value)`, weakening the strong tag sent first when `name` is Content-Encoding. */
function weakenOn(
  res: Response,
  state: State,
  name: string,
  value: number | string | readonly string[],
  next: Response['setHeader'],
): Response {
  const tag = state.weakenTag;
  if (tag !== undefined && name.length === 16 && name.toLowerCase() === 'content-encoding') {
    const encoding = String(value).trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity' && res.getHeader('ETag') === tag) {
      next.call(res, 'ETag', `W/${tag}`);
    }
  }
  return next.call(res, name, value);
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

function bufferEncoding(encoding: unknown): BufferEncoding {
  return typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
}
