import { describe, expect, it } from 'vitest';
import { checkAnswer, hasProtoKey, headerBytes, isParserAnswer, PROBLEM_TYPE } from './hostile-check.js';
import type { HostileRequest } from './hostile-requests.js';
import type { HostileAnswer } from './hostile-send.js';

const get = (path = '/products'): HostileRequest => ({ family: 'list', method: 'GET', path, headers: [] });
const raw: HostileRequest = { family: 'raw', method: 'FOO', path: '', headers: [], raw: 'FOO / HTTP/1.1\r\n\r\n' };
const oversized = get(`/products?fields=${'a,'.repeat(9000)}`);

function answer(
  status: number | undefined,
  headers: Record<string, string> = {},
  body = '',
  error?: string,
): HostileAnswer {
  return { status, headers, body: Buffer.from(body), elapsedMs: 1, ...(error === undefined ? {} : { error }) };
}
const problem = (status: number, extra: Record<string, unknown> = {}) =>
  answer(
    status,
    { 'content-type': PROBLEM_TYPE },
    JSON.stringify({ type: 'about:blank', title: 'T', status, ...extra }),
  );
const parser = (status: number) => answer(status, { connection: 'close' });

describe('checkAnswer', () => {
  it.each([
    ['a 200 JSON body', get(), answer(200, { 'content-type': 'application/json; charset=utf-8' }, '{"data":[]}'), []],
    ['a 304', get(), answer(304), []],
    ['a problem+json 400', get(), problem(400), []],
    ['a HEAD 404 without body', { ...get(), method: 'HEAD' }, answer(404, { 'content-type': PROBLEM_TYPE }), []],
    ['a parser 400 for a raw request without Host', raw, parser(400), []],
    [
      'a bare 431 for an oversized request',
      oversized,
      parser(431),
      ['a bare 431 from Node instead of problem details'],
    ],
    [
      'a bare 400 for a raw request with a Host',
      { ...raw, raw: 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n' },
      parser(400),
      ['a bare 400 from Node instead of problem details'],
    ],
    ['a reset of an oversized request', oversized, answer(undefined, {}, '', 'read ECONNRESET'), []],
    ['a 500 problem', get(), problem(500), ['status 500']],
    ['a 503', get(), answer(503), ['status 503']],
    ['a hang', get(), answer(undefined, {}, '', 'no answer within 30000 ms'), ['no answer: no answer within 30000 ms']],
    ['a reset of a small request', get(), answer(undefined, {}, '', 'read ECONNRESET'), ['no answer: read ECONNRESET']],
    ['a parser 400 for a well-formed request', get(), parser(400), ['a bare 400 from Node instead of problem details']],
    ['a parser 431 for a small request', get(), parser(431), ['a 431 for a request under the header limit']],
    ['a problem 431 for a small request', get(), problem(431), ['a 431 for a request under the header limit']],
    ['a problem 431 for an oversized request', oversized, problem(431), []],
    [
      'a 400 in JSON',
      get(),
      answer(400, { 'content-type': 'application/json' }, '{}'),
      ['400 with Content-Type application/json'],
    ],
    ['a 404 in HTML', get(), answer(404, { 'content-type': 'text/html' }, '<p>'), ['404 with Content-Type text/html']],
    ['a problem whose status differs', get(), problem(400, { status: 500 }), ['400 problem with "status" 500']],
    [
      'an invalid-parameter problem without rule',
      get(),
      problem(400, { type: 'tag:expresskit.dev,2026:invalid-parameter', parameter: 'limit' }),
      ['400 invalid-parameter problem without "parameter" and "rule"'],
    ],
    [
      'a problem body that is not JSON',
      get(),
      answer(412, { 'content-type': PROBLEM_TYPE }, 'oops'),
      ['412 body is not a JSON object'],
    ],
    [
      'a 200 body with a __proto__ member',
      get(),
      answer(200, { 'content-type': 'application/json' }, '{"data":[{"__proto__":{"x":1}}]}'),
      ['200 body has a __proto__/constructor/prototype member'],
    ],
  ] as const)('%s', (_name, request, got, expected) => {
    expect(checkAnswer(request, got)).toEqual(expected);
  });
});

describe('helpers', () => {
  it('recognises only bodiless, closing 400/431 answers as the parser’s', () => {
    expect(isParserAnswer(parser(431))).toBe(true);
    expect(isParserAnswer(parser(404))).toBe(false);
    expect(isParserAnswer(answer(400, { connection: 'close', 'content-type': PROBLEM_TYPE }, '{}'))).toBe(false);
    expect(isParserAnswer(answer(400, { connection: 'keep-alive' }))).toBe(false);
  });

  it('finds prototype keys at any depth of parsed JSON', () => {
    expect(hasProtoKey(JSON.parse('{"a":[{"b":{"constructor":1}}]}'))).toBe(true);
    expect(hasProtoKey(JSON.parse('{"a":[{"b":{"proto":1}}],"c":"__proto__"}'))).toBe(false);
  });

  it('sizes a request line and headers as sent', () => {
    expect(headerBytes(get('/p'))).toBe('GET /p HTTP/1.1\r\nHost: 127.0.0.1:65535\r\n'.length);
    expect(headerBytes({ ...get('/p'), headers: [['A', 'bc']] })).toBe(headerBytes(get('/p')) + 7);
  });
});
