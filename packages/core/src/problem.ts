import { type ServerResponse, STATUS_CODES } from 'node:http';

/** The media type of an RFC 9457 problem details body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Problem types are identified by `tag:` URIs (RFC 4151), which RFC 9457 §3.1.1 recommends for
 * identifiers that are not meant to be dereferenced. Every type expresskit uses is listed in the
 * README of `@expresskit/core` with the package that sends it.
 */
export function problemType(name: string): string {
  return `tag:expresskit.dev,2026:${name}`;
}

/** Members RFC 9457 defines; extension members may not reuse these names. */
const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance']);

/** An RFC 9457 problem details object. Extension members sit next to the standard ones. */
export interface ProblemDetails {
  /** A URI reference identifying the problem type. @default 'about:blank' */
  type?: string;
  /** Short, human-readable summary of the type. @default the HTTP reason phrase of `status` */
  title?: string;
  /** The HTTP status code (400–599). */
  status: number;
  /** Human-readable explanation specific to this occurrence. */
  detail?: string;
  /** A URI reference identifying this occurrence. */
  instance?: string;
  /** Extension members, e.g. `parameter` or `violated-policies`. */
  [extension: string]: unknown;
}

export interface ProblemInit {
  type?: string;
  title?: string;
  detail?: string;
  instance?: string;
  /** Extension members; the standard member names are rejected. */
  extensions?: Readonly<Record<string, unknown>>;
  /** Response headers to send with the problem, e.g. `Retry-After`. */
  headers?: Readonly<Record<string, string | number | readonly string[]>>;
  cause?: unknown;
}

/**
 * An error that carries an HTTP status and renders as RFC 9457 problem details.
 *
 * ```ts
 * throw new ProblemError(400, { title: 'Invalid query parameter', detail: '"limit" must be a positive integer', extensions: { parameter: 'limit' } });
 * ```
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string | number | readonly string[]>>;

  constructor(status: number, init: ProblemInit = {}) {
    assertStatus(status);
    const title = init.title ?? STATUS_CODES[status] ?? 'Error';
    super(init.detail ?? title, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProblemError';
    this.status = status;
    this.type = init.type ?? 'about:blank';
    this.title = title;
    this.detail = init.detail;
    this.instance = init.instance;
    this.extensions = checkExtensions(init.extensions ?? {});
    this.headers = init.headers ?? {};
  }

  /** The problem details body this error renders as. */
  toJSON(): ProblemDetails {
    return problemBody({
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(this.instance === undefined ? {} : { instance: this.instance }),
      ...this.extensions,
    });
  }
}

export function isProblemError(value: unknown): value is ProblemError {
  return value instanceof ProblemError;
}

/**
 * Sends `problem` as `application/problem+json` with its status. Works on Express responses and
 * plain `node:http` ones. When headers were already sent nothing can be reported to the client,
 * so the response is ended (or destroyed if it was mid-body) instead.
 */
export function sendProblem(
  res: ServerResponse,
  problem: ProblemDetails | ProblemError,
  headers: Readonly<Record<string, string | number | readonly string[]>> = {},
): void {
  const body = problem instanceof ProblemError ? problem.toJSON() : problemBody(problem);
  const extraHeaders = problem instanceof ProblemError ? { ...problem.headers, ...headers } : headers;
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const payload = JSON.stringify(body);
  res.statusCode = body.status;
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}

/** Normalises a problem body: defaults for `type` and `title`, standard members first. */
function problemBody(problem: ProblemDetails): ProblemDetails {
  assertStatus(problem.status);
  const { type, title, status, detail, instance, ...extensions } = problem;
  return {
    type: type ?? 'about:blank',
    title: title ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(instance === undefined ? {} : { instance }),
    ...extensions,
  };
}

function assertStatus(status: number): void {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError(`ProblemError: "status" must be an integer from 400 to 599, got ${String(status)}`);
  }
}

function checkExtensions(extensions: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  for (const name of Object.keys(extensions)) {
    if (STANDARD_MEMBERS.has(name)) {
      throw new TypeError(`ProblemError: extension member "${name}" would replace the standard member of that name`);
    }
  }
  return extensions;
}
