/** Options of `etag()` / `requireIfMatch()`, validated once at creation. */
import { type ProblemError, sendProblem } from '@expresskit/core';
import type { Request, Response } from 'express';

/** The validators a handler declares for the resource it is about to read or change. */
export interface ResourceValidators {
  /**
   * The current entity tag: a quoted tag (`"v42"`, `W/"v42"`) or a bare value (`v42`), which is
   * quoted for you. `undefined` when the resource has none.
   */
  etag?: string | undefined;
  /** The current modification date (`Date`, epoch milliseconds or HTTP-date). */
  lastModified?: Date | number | string | undefined;
  /**
   * Whether the resource currently exists: `false` makes `If-Match: *` fail (412) and
   * `If-None-Match: *` pass, the create-only `PUT` idiom.
   * @default true
   */
  exists?: boolean | undefined;
}

/** Replaces the 412/428 response. The response has not been sent yet. */
export type PreconditionErrorHandler = (problem: ProblemError, req: Request, res: Response) => void;

export interface EtagOptions {
  /**
   * Send weak ETags (`W/"<len>-<hash>"`) instead of strong ones. Strong tags are right for bytes
   * sent as they are; weak ones say "semantically equivalent", e.g. when a proxy re-encodes.
   * @default false
   */
  weak?: boolean;
  /**
   * Answer **428 Precondition Required** when a request with one of these methods has no
   * `If-Match` header (`true` = `PUT`, `PATCH`, `DELETE`). Per route, use `requireIfMatch()`.
   * @default false
   */
  requireIfMatch?: boolean | readonly string[];
  /**
   * Largest buffered body that is hashed, in bytes; larger bodies are sent without a generated
   * ETag (hashing is synchronous). Conditional requests are still evaluated against an ETag or
   * Last-Modified the handler set itself.
   * @default 16_777_216 (16 MiB)
   */
  maxSize?: number;
  /**
   * Extra response headers (names, any case) a 304 keeps besides the ones RFC 9110 §15.4.5 allows
   * (ETag, Cache-Control, Vary, Date, Expires, Content-Location), e.g. `['x-request-id']`.
   * @default []
   */
  keepOn304?: readonly string[];
  /**
   * Sends the 412/428 problem. Replace it to render your own error format.
   * @default sends the problem as `application/problem+json` with core's `sendProblem`
   */
  onError?: PreconditionErrorHandler;
}

export interface Config {
  weak: boolean;
  requireIfMatch: ReadonlySet<string>;
  maxSize: number;
  keepOn304: readonly string[];
  onError: PreconditionErrorHandler;
}

const REQUIRE_METHODS_DEFAULT = ['PUT', 'PATCH', 'DELETE'];

/** Validates `options` (throwing a `TypeError` that names `name` and the option). */
export function resolve(name: string, options: EtagOptions): Config {
  const { weak = false, requireIfMatch = false, maxSize = 16 * 1024 * 1024, keepOn304 = [] } = options;
  if (typeof weak !== 'boolean') throw new TypeError(`${name}: "weak" must be a boolean, got ${String(weak)}`);
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
    throw new TypeError(`${name}: "maxSize" must be a non-negative integer, got ${String(maxSize)}`);
  }
  let methods: readonly string[];
  if (requireIfMatch === true) methods = REQUIRE_METHODS_DEFAULT;
  else if (requireIfMatch === false) methods = [];
  else if (Array.isArray(requireIfMatch) && requireIfMatch.every((m) => typeof m === 'string' && m !== '')) {
    methods = requireIfMatch.map((m) => m.toUpperCase());
  } else {
    throw new TypeError(
      `${name}: "requireIfMatch" must be a boolean or an array of methods, got ${String(requireIfMatch)}`,
    );
  }
  if (!Array.isArray(keepOn304) || !keepOn304.every((h) => typeof h === 'string')) {
    throw new TypeError(`${name}: "keepOn304" must be an array of header names, got ${String(keepOn304)}`);
  }
  const onError = options.onError ?? ((problem, _req, res) => sendProblem(res, problem));
  if (typeof onError !== 'function')
    throw new TypeError(`${name}: "onError" must be a function, got ${typeof onError}`);
  return {
    weak,
    requireIfMatch: new Set(methods),
    maxSize,
    keepOn304: keepOn304.map((h) => h.toLowerCase()),
    onError,
  };
}
