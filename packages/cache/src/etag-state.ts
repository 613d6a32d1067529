/** The private per-response state of `etag()` and the two answers it sends itself (304, 412/428). */
import type { ProblemError } from '@expresskit/core';
import type { Response } from 'express';
import { notModifiedHeaders } from './conditional.js';
import type { Config } from './etag-options.js';
import { parseEntityTag, parseEntityTags } from './hash.js';

/** Private per-response state. */
export interface State {
  /** A 304 or a problem was sent; the wrappers pass everything through. */
  answered: boolean;
  /** The body's preconditions were evaluated (`res.send` then `res.end` evaluate once). */
  evaluated: boolean;
  /** Inside Express's `res.send` for a body it converts itself; an ETag now is Express's own. */
  expressMayTag: boolean;
  config: Config;
  /** Which wrappers are own properties of the response (the layer's then pass through). */
  ownSend: boolean;
  ownEnd: boolean;
  ownSetHeader: boolean;
  /** The members of `etag()`'s layer in the response's prototype chain, if there is one. */
  layer: { send: Response['send']; end: Response['end']; setHeader: Response['setHeader'] } | undefined;
  /** The strong tag sent with the body, made weak when a Content-Encoding is set after it. */
  weakenTag: string | undefined;
}

/*
 * The wrapper functions (on the layer, or own properties of a response) find their response's
 * state here. Nothing in a state refers back to its response or request (the request is
 * `res.req`): a WeakMap value that leads back to its key makes the garbage collector keep and
 * revisit the entry (measured: a state holding `req` cost about 20 µs per request).
 */
export const states = new WeakMap<Response, State>();

export function newState(config: Config): State {
  return {
    answered: false,
    evaluated: false,
    expressMayTag: false,
    config,
    ownSend: false,
    ownEnd: false,
    ownSetHeader: false,
    layer: undefined,
    weakenTag: undefined,
  };
}

export function stateOf(res: Response): State {
  const state = states.get(res);
  if (state === undefined) {
    throw new TypeError('res.precondition(): etag() does not handle this response (mount etag() before the handler)');
  }
  return state;
}

/** Ends with 304 and only the headers §15.4.5 allows (plus `keepOn304`), no body. */
export function sendNotModified(res: Response, state: State, callback?: () => void): void {
  state.answered = true;
  if (res.headersSent) return;
  const tag = headerString(res.getHeader('ETag'));
  const contentType = res.getHeader('Content-Type');
  const keep = notModifiedHeaders(res.getHeaders(), state.config.keepOn304);
  for (const name of res.getHeaderNames()) if (!Object.hasOwn(keep, name)) res.removeHeader(name);
  // A client that holds the weakened (compressed) form of a strong tag gets that form back.
  const current = tag === undefined ? undefined : parseEntityTag(tag);
  const held = parseEntityTags(res.req.headers['if-none-match'] ?? '');
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

export function answerProblem(res: Response, state: State, problem: ProblemError): void {
  state.answered = true;
  if (!res.headersSent) for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
  state.config.onError(problem, res.req, res);
}

export function headerString(value: number | string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
