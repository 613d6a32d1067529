import { isProblemError, type ProblemError } from '@expresskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor } from './cursor.js';
import { parseQueryString } from './params.js';
import { type LimitPolicy, parseCursorQuery, parseOffsetQuery } from './query.js';

const policy: LimitPolicy = { defaultLimit: 20, maxLimit: 100, overMax: 'reject' };
const offset = (search: string, overrides: Partial<LimitPolicy> = {}, maxOffset = 10_000) =>
  parseOffsetQuery(parseQueryString(`/items?${search}`), { ...policy, ...overrides }, maxOffset);
const cursor = (search: string) => parseCursorQuery(parseQueryString(`/items?${search}`), policy);

function problemOf(fn: () => unknown): ProblemError {
  try {
    fn();
  } catch (error) {
    if (isProblemError(error)) return error;
    throw error;
  }
  throw new Error('expected a ProblemError');
}

describe('parseQueryString', () => {
  it('keeps order, repeated keys and raw segments, decoding like URLSearchParams', () => {
    expect(parseQueryString('/x?a=1&b=%20two+words&a=3&flag&&c=%zz#frag')).toEqual([
      { key: 'a', value: '1', raw: 'a=1' },
      { key: 'b', value: ' two words', raw: 'b=%20two+words' },
      { key: 'a', value: '3', raw: 'a=3' },
      { key: 'flag', value: '', raw: 'flag' },
      { key: 'c', value: '%zz', raw: 'c=%zz' },
    ]);
    expect(parseQueryString('/x')).toEqual([]);
    expect(parseQueryString('/x?')).toEqual([]);
  });
});

describe('parseOffsetQuery accepts', () => {
  it.each([
    ['', { page: 1, limit: 20, offset: 0, style: 'page', positionParam: 'page', sizeParam: 'per_page' }],
    [
      'page=3&per_page=10',
      { page: 3, limit: 10, offset: 20, style: 'page', positionParam: 'page', sizeParam: 'per_page' },
    ],
    ['page=2', { page: 2, limit: 20, offset: 20, style: 'page', positionParam: 'page', sizeParam: 'per_page' }],
    ['per_page=100', { page: 1, limit: 100, offset: 0, style: 'page', positionParam: 'page', sizeParam: 'per_page' }],
    [
      'offset=25&limit=10',
      { page: 3, limit: 10, offset: 25, style: 'offset', positionParam: 'offset', sizeParam: 'limit' },
    ],
    ['offset=0', { page: 1, limit: 20, offset: 0, style: 'offset', positionParam: 'offset', sizeParam: 'limit' }],
    ['limit=5', { page: 1, limit: 5, offset: 0, style: 'offset', positionParam: 'offset', sizeParam: 'limit' }],
    ['page=2&limit=5', { page: 2, limit: 5, offset: 5, style: 'page', positionParam: 'page', sizeParam: 'limit' }],
    [
      'offset=10&per_page=5',
      { page: 3, limit: 5, offset: 10, style: 'offset', positionParam: 'offset', sizeParam: 'per_page' },
    ],
    [
      'page=501&per_page=20',
      { page: 501, limit: 20, offset: 10_000, style: 'page', positionParam: 'page', sizeParam: 'per_page' },
    ],
    ['p%61ge=4', { page: 4, limit: 20, offset: 60, style: 'page', positionParam: 'page', sizeParam: 'per_page' }],
    [
      'sort=name&page=2&filter[a]=1',
      { page: 2, limit: 20, offset: 20, style: 'page', positionParam: 'page', sizeParam: 'per_page' },
    ],
  ])('?%s', (search, expected) => {
    expect(offset(search)).toEqual(expected);
  });

  it('clamps an oversized page size with overMax: clamp, even a huge one', () => {
    expect(offset('per_page=500', { overMax: 'clamp' }).limit).toBe(100);
    expect(offset('per_page=9007199254740991', { overMax: 'clamp' }).limit).toBe(100);
  });

  it('allows any offset with maxOffset: Infinity', () => {
    expect(offset('offset=123456789', {}, Number.POSITIVE_INFINITY).offset).toBe(123456789);
  });
});

describe('parseOffsetQuery rejects', () => {
  it.each([
    // parameter, rule, query
    ['page', 'minimum', 'page=0'],
    ['page', 'minimum', 'page=-1'],
    ['per_page', 'minimum', 'per_page=0'],
    ['limit', 'minimum', 'limit=0'],
    ['limit', 'minimum', 'limit=-5'],
    ['per_page', 'maximum', 'per_page=101'],
    ['page', 'maximum', 'page=9007199254740992'],
    ['page', 'maximum', 'page=9007199254740993'],
    ['page', 'maximum', `page=${'9'.repeat(400)}`],
    ['limit', 'maximum', 'limit=1000000000000000000000'],
    ['page', 'integer', 'page=1.5'],
    ['page', 'integer', 'page=2.0'],
    ['page', 'integer', 'page=1e3'],
    ['page', 'integer', 'page=0x10'],
    ['page', 'integer', 'page=%201'],
    ['page', 'integer', 'page=+1'],
    ['page', 'integer', 'page=%2B1'],
    ['page', 'integer', 'page=01'],
    ['page', 'integer', 'page=-0'],
    ['page', 'integer', 'page=1%00'],
    ['page', 'integer', 'page=%EF%BC%91'],
    ['page', 'integer', 'page='],
    ['page', 'integer', 'page'],
    ['page', 'integer', 'page=abc'],
    ['page', 'integer', 'page=Infinity'],
    ['page', 'integer', 'page=NaN'],
    ['page', 'integer', 'page=%zz'],
    ['offset', 'integer', 'offset=-0'],
    ['offset', 'minimum', 'offset=-10'],
    ['page', 'single-value', 'page=1&page=2'],
    ['page', 'single-value', 'page=1&page=1'],
    ['page', 'single-value', 'page[]=1'],
    ['page', 'single-value', 'page[a]=1'],
    ['per_page', 'single-value', 'per_page[$gt]=5'],
    ['limit', 'single-value', 'limit=1&limit=2'],
    ['offset', 'exclusive', 'page=1&offset=0'],
    ['limit', 'exclusive', 'per_page=1&limit=1'],
    ['page', 'max-offset', 'page=502&per_page=20'],
    ['offset', 'max-offset', 'offset=10001'],
    ['page', 'max-offset', 'page=9007199254740991&per_page=100'],
  ])('%s (%s): ?%s', (parameter, rule, search) => {
    const problem = problemOf(() => offset(search));
    expect(problem.status).toBe(400);
    expect(problem.type).toBe('tag:expresskit.dev,2026:invalid-parameter');
    expect(problem.extensions).toMatchObject({ parameter, rule });
  });

  it('says what was wrong and what the bounds are', () => {
    expect(problemOf(() => offset('per_page=101')).toJSON()).toEqual({
      type: 'tag:expresskit.dev,2026:invalid-parameter',
      title: 'Invalid query parameter',
      status: 400,
      detail: '"per_page" must be at most 100, got "101"',
      parameter: 'per_page',
      rule: 'maximum',
      maximum: 100,
    });
    expect(problemOf(() => offset('limit=0')).toJSON()).toMatchObject({
      detail: '"limit" must be at least 1, got "0"',
      minimum: 1,
    });
    expect(problemOf(() => offset('page=502')).toJSON()).toMatchObject({
      detail: '"page" 502 starts at offset 10020, beyond the maximum offset 10000',
      maxOffset: 10_000,
    });
  });

  it('cuts a huge hostile value short in the detail', () => {
    const detail = problemOf(() => offset(`page=${'x'.repeat(10_000)}`)).detail ?? '';
    expect(detail.length).toBeLessThan(200);
    expect(detail.endsWith(`"${'x'.repeat(64)}…"`)).toBe(true);
  });
});

describe('parseCursorQuery', () => {
  it.each([
    ['', { limit: 20, direction: 'first', token: undefined }],
    ['limit=5', { limit: 5, direction: 'first', token: undefined }],
    ['cursor=abc.def&limit=5', { limit: 5, direction: 'after', token: 'abc.def' }],
    ['before=abc.def', { limit: 20, direction: 'before', token: 'abc.def' }],
    ['page=7', { limit: 20, direction: 'first', token: undefined }],
  ])('accepts ?%s', (search, expected) => {
    expect(cursor(search)).toEqual(expected);
  });

  it.each([
    ['before', 'exclusive', 'cursor=a&before=b'],
    ['cursor', 'single-value', 'cursor=a&cursor=b'],
    ['cursor', 'single-value', 'cursor[x]=a'],
    ['before', 'single-value', 'before[]=a'],
    ['limit', 'minimum', 'limit=0'],
    ['limit', 'maximum', 'limit=101'],
    ['limit', 'integer', 'limit=1e2'],
  ])('rejects %s (%s): ?%s', (parameter, rule, search) => {
    expect(problemOf(() => cursor(search)).extensions).toMatchObject({ parameter, rule });
  });
});

describe('hostile input, property-based', () => {
  it('any value of any pagination parameter is either a canonical integer or a 400 problem', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('page', 'per_page', 'limit', 'offset'),
        fc.oneof(fc.string(), fc.stringMatching(/^[-+ 0-9e.x]{0,12}$/), fc.bigInt().map(String)),
        (name, value) => {
          const search = `${name}=${encodeURIComponent(value)}`;
          try {
            const parsed = offset(search, { maxLimit: 1_000_000 }, Number.POSITIVE_INFINITY);
            const read = name === 'page' ? parsed.page : name === 'offset' ? parsed.offset : parsed.limit;
            expect(String(read)).toBe(value);
          } catch (error) {
            expect(isProblemError(error) && error.status).toBe(400);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any cursor value is decoded or answered with a 400 problem, never another error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (token) => {
        try {
          decodeCursor(token, { secret: 'property-secret-0123456789' });
          expect.unreachable('a random token must not verify');
        } catch (error) {
          expect(isProblemError(error) && error.extensions.rule).toMatch(/^cursor-(format|signature)$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('renamed parameters', () => {
  it('reads and reports the configured names', () => {
    const names = { page: 'p', perPage: 'pageSize', offset: 'skip', limit: 'take', cursor: 'after', before: 'before' };
    expect(parseOffsetQuery(parseQueryString('/x?p=2&pageSize=5&page=9'), policy, 10_000, names)).toEqual({
      page: 2,
      limit: 5,
      offset: 5,
      style: 'page',
      positionParam: 'p',
      sizeParam: 'pageSize',
    });
    expect(problemOf(() => parseOffsetQuery(parseQueryString('/x?take=0'), policy, 10_000, names)).extensions).toEqual({
      parameter: 'take',
      rule: 'minimum',
      minimum: 1,
    });
  });
});
