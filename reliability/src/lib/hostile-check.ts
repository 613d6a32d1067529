import { MAX_HEADER_BYTES } from './hostile-malformed.js';
import type { HostileRequest } from './hostile-requests.js';
import type { HostileAnswer } from './hostile-send.js';

/** The media type of every error the example app (and every expresskit package) sends. */
export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const INVALID_PARAMETER = 'tag:expresskit.dev,2026:invalid-parameter';
const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Answers Node's HTTP server sends itself, before any application code runs, without a body,
 * closing the connection: `400 Bad Request` and `431 Request Header Fields Too Large` for
 * requests its parser refuses, unless the server has a `clientError` handler (the example app
 * has one, which answers problem details), and always the bare 400 for a request without `Host`.
 */
export function isParserAnswer(answer: HostileAnswer): boolean {
  return (
    (answer.status === 400 || answer.status === 431) &&
    answer.headers['content-type'] === undefined &&
    answer.headers.connection?.toLowerCase() === 'close' &&
    answer.body.length === 0
  );
}

/** Whether `value` (parsed JSON) has a member named `__proto__`, `constructor` or `prototype` at any depth. */
export function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    for (const key of Object.keys(item)) {
      if (PROTO_KEYS.has(key)) return true;
      stack.push((item as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** The size of the request line and headers as sent (what `--max-http-header-size` limits). */
export function headerBytes(request: HostileRequest): number {
  if (request.raw !== undefined) return request.raw.length;
  let bytes = `${request.method} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1:65535\r\n`.length;
  for (const [name, value] of request.headers) bytes += name.length + value.length + 4;
  return bytes + (request.body === undefined ? 0 : 40);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The rules of scenario 4 for one answer; returns what is wrong (empty when nothing is):
 * - an answer arrives (no hang) with a 2xx, 3xx or 4xx status: never 1xx or 5xx; the only
 *   accepted reset is Node's for a request line + headers near or over its limit (431 and close);
 * - a 431 only for requests within 512 bytes of the header limit or over it;
 * - a 4xx is problem details, except Node's bare 400 for a request without `Host`
 *   (`isParserAnswer`; the example app answers every other parser error itself):
 *   `Content-Type: application/problem+json; charset=utf-8` and, except for HEAD, a JSON object
 *   whose `type` and `title` are strings and whose `status` equals the HTTP status; an
 *   `invalid-parameter` problem also names its `parameter` and `rule` (strings);
 * - a 2xx JSON body has no member named `__proto__`, `constructor` or `prototype`.
 */
export function checkAnswer(request: HostileRequest, answer: HostileAnswer): string[] {
  const { status } = answer;
  const oversized = headerBytes(request) > MAX_HEADER_BYTES - 512;
  if (status === undefined) {
    // Over the limit, Node answers 431 and closes at once; a client still writing its long request
    // line may see the reset before it reads the 431.
    if (oversized && /ECONNRESET|EPIPE/.test(answer.error ?? '')) return [];
    return [`no answer: ${answer.error ?? 'unknown'}`];
  }
  if (answer.error) return [`status ${status} with an unreadable body: ${answer.error}`];
  if (status < 200 || status >= 500) return [`status ${status}`];
  const type = answer.headers['content-type'];
  if (status === 431 && !oversized) return ['a 431 for a request under the header limit'];
  if (status >= 400) {
    if (isParserAnswer(answer)) {
      // Only a request without Host may get Node's bare 400: the app answers the rest itself.
      const hostless = request.raw !== undefined && !/\nHost:/i.test(request.raw);
      return status === 400 && hostless ? [] : [`a bare ${status} from Node instead of problem details`];
    }
    if (type !== PROBLEM_TYPE) return [`${status} with Content-Type ${type ?? '(none)'}`];
    if (request.method === 'HEAD') return answer.body.length === 0 ? [] : [`HEAD ${status} with a body`];
    const problem = parseJson(answer.body) as Record<string, unknown> | undefined;
    if (typeof problem !== 'object' || problem === null) return [`${status} body is not a JSON object`];
    const wrong: string[] = [];
    if (typeof problem.type !== 'string') wrong.push(`${status} problem without a string "type"`);
    if (typeof problem.title !== 'string') wrong.push(`${status} problem without a string "title"`);
    if (problem.status !== status) wrong.push(`${status} problem with "status" ${String(problem.status)}`);
    if (
      problem.type === INVALID_PARAMETER &&
      (typeof problem.parameter !== 'string' || typeof problem.rule !== 'string')
    ) {
      wrong.push(`${status} invalid-parameter problem without "parameter" and "rule"`);
    }
    return wrong;
  }
  if (status < 300 && type?.startsWith('application/json') && request.method !== 'HEAD' && answer.body.length > 0) {
    const body = parseJson(answer.body);
    if (body === undefined) return [`${status} JSON body does not parse`];
    if (hasProtoKey(body)) return [`${status} body has a __proto__/constructor/prototype member`];
  }
  return [];
}
