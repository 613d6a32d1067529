import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConditionalRequestHeaders,
  checkPreconditions,
  evaluatePreconditions,
  fresh,
  isSafeMethod,
  notModifiedHeaders,
  parseEntityTags,
  parseHttpDate,
  type Validators,
} from './conditional.js';

/** Fixed instants: `at(n)` is n seconds after 2026-01-01T00:00:00Z, as an IMF-fixdate. */
const BASE = Date.UTC(2026, 0, 1);
const at = (seconds: number): string => new Date(BASE + seconds * 1000).toUTCString();

describe('fresh(reqHeaders, resHeaders): the 24 behaviours of the `fresh` package', () => {
  type Row = [string, Record<string, string>, Record<string, string>, boolean];
  const rows: Row[] = [
    ['a non-conditional GET is stale', {}, {}, false],
    ['If-None-Match: matching ETags are fresh', { 'if-none-match': '"foo"' }, { etag: '"foo"' }, true],
    ['If-None-Match: mismatching ETags are stale', { 'if-none-match': '"foo"' }, { etag: '"bar"' }, false],
    [
      'If-None-Match: at least one match in a list is fresh',
      { 'if-none-match': ' "bar" , "foo"' },
      { etag: '"foo"' },
      true,
    ],
    ['If-None-Match: a missing ETag is stale', { 'if-none-match': '"foo"' }, {}, false],
    ['If-None-Match weak: exact match is fresh', { 'if-none-match': 'W/"foo"' }, { etag: 'W/"foo"' }, true],
    ['If-None-Match weak: strong response tag is fresh', { 'if-none-match': 'W/"foo"' }, { etag: '"foo"' }, true],
    ['If-None-Match strong: exact match is fresh', { 'if-none-match': '"foo"' }, { etag: '"foo"' }, true],
    ['If-None-Match strong: weak response tag is fresh', { 'if-none-match': '"foo"' }, { etag: 'W/"foo"' }, true],
    ['If-None-Match: * is fresh', { 'if-none-match': '*' }, { etag: '"foo"' }, true],
    ['If-None-Match: * inside a list is ignored', { 'if-none-match': '*, "bar"' }, { etag: '"foo"' }, false],
    [
      'If-Modified-Since: modified since the date is stale',
      { 'if-modified-since': at(0) },
      { 'last-modified': at(2) },
      false,
    ],
    [
      'If-Modified-Since: unmodified since the date is fresh',
      { 'if-modified-since': at(2) },
      { 'last-modified': at(0) },
      true,
    ],
    ['If-Modified-Since: a missing Last-Modified is stale', { 'if-modified-since': at(2) }, {}, false],
    ['If-Modified-Since: an invalid date is stale', { 'if-modified-since': 'foo' }, { 'last-modified': at(0) }, false],
    [
      'If-Modified-Since: an invalid Last-Modified is stale',
      { 'if-modified-since': at(2) },
      { 'last-modified': 'foo' },
      false,
    ],
    [
      'both: when both match it is fresh',
      { 'if-none-match': '"foo"', 'if-modified-since': at(2) },
      { etag: '"foo"', 'last-modified': at(0) },
      true,
    ],
    [
      'both: when only the ETag matches it is fresh (If-None-Match takes precedence)',
      { 'if-none-match': '"foo"', 'if-modified-since': at(0) },
      { etag: '"foo"', 'last-modified': at(2) },
      true,
    ],
    [
      'both: when only Last-Modified matches it is stale',
      { 'if-none-match': '"foo"', 'if-modified-since': at(2) },
      { etag: '"bar"', 'last-modified': at(0) },
      false,
    ],
    [
      'both: when none match it is stale',
      { 'if-none-match': '"foo"', 'if-modified-since': at(0) },
      { etag: '"bar"', 'last-modified': at(2) },
      false,
    ],
    [
      'Cache-Control: no-cache makes a matching If-None-Match stale',
      { 'cache-control': ' no-cache', 'if-none-match': '"foo"' },
      { etag: '"foo"' },
      false,
    ],
    [
      'Cache-Control: no-cache makes an unmodified If-Modified-Since stale',
      { 'cache-control': 'no-cache', 'if-modified-since': at(2) },
      { 'last-modified': at(0) },
      false,
    ],
    [
      'Cache-Control: no-cache among other directives is stale',
      { 'cache-control': 'public, no-cache, max-age=0', 'if-none-match': '"foo"' },
      { etag: '"foo"' },
      false,
    ],
    [
      'Cache-Control without no-cache does not prevent freshness',
      { 'cache-control': 'max-age=0', 'if-none-match': '"foo"' },
      { etag: '"foo"' },
      true,
    ],
  ];

  it('has 24 cases', () => {
    expect(rows).toHaveLength(24);
  });

  it.each(rows)('%s', (_name, reqHeaders, resHeaders, expected) => {
    expect(fresh(reqHeaders, resHeaders)).toBe(expected);
  });
});

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  type Row = [
    string,
    string,
    ConditionalRequestHeaders,
    Validators,
    ReturnType<typeof evaluatePreconditions>,
    keyof ConditionalRequestHeaders | undefined,
  ];
  const current: Validators = { etag: '"v2"', lastModified: at(100) };
  const rows: Row[] = [
    // If-None-Match: weak comparison, lists, *
    ['no conditional headers', 'GET', {}, current, 'proceed', undefined],
    ['INM matches', 'GET', { 'if-none-match': '"v2"' }, current, 'not-modified', 'if-none-match'],
    ['INM does not match', 'GET', { 'if-none-match': '"v1"' }, current, 'proceed', undefined],
    ['INM list with a match', 'GET', { 'if-none-match': '"v1", "v2"' }, current, 'not-modified', 'if-none-match'],
    ['INM list without spaces', 'GET', { 'if-none-match': '"v1","v2"' }, current, 'not-modified', 'if-none-match'],
    [
      'INM list, tabs and empty members',
      'GET',
      { 'if-none-match': ' ,"v1",\t, "v2" ,' },
      current,
      'not-modified',
      'if-none-match',
    ],
    [
      'INM weak vs strong current (weak comparison)',
      'GET',
      { 'if-none-match': 'W/"v2"' },
      current,
      'not-modified',
      'if-none-match',
    ],
    [
      'INM strong vs weak current',
      'GET',
      { 'if-none-match': '"v2"' },
      { etag: 'W/"v2"' },
      'not-modified',
      'if-none-match',
    ],
    [
      'INM weak vs weak current',
      'GET',
      { 'if-none-match': 'W/"v2"' },
      { etag: 'W/"v2"' },
      'not-modified',
      'if-none-match',
    ],
    ['INM lower-case w/ is not a weak prefix', 'GET', { 'if-none-match': 'w/"v2"' }, current, 'proceed', undefined],
    ['INM * when the resource exists', 'GET', { 'if-none-match': '*' }, current, 'not-modified', 'if-none-match'],
    ['INM * when it does not exist', 'GET', { 'if-none-match': '*' }, { exists: false }, 'proceed', undefined],
    ['INM * inside a list matches nothing', 'GET', { 'if-none-match': '*, "v1"' }, current, 'proceed', undefined],
    ['INM when the resource has no ETag', 'GET', { 'if-none-match': '"v2"' }, {}, 'proceed', undefined],
    ['INM unquoted member matches nothing', 'GET', { 'if-none-match': 'v2' }, current, 'proceed', undefined],
    [
      'INM tag containing a comma',
      'GET',
      { 'if-none-match': '"a,b"' },
      { etag: '"a,b"' },
      'not-modified',
      'if-none-match',
    ],
    ['INM comma tag is one tag', 'GET', { 'if-none-match': '"a,b"' }, { etag: '"a"' }, 'proceed', undefined],
    ['INM empty field counts as absent', 'GET', { 'if-none-match': '  ' }, current, 'proceed', undefined],
    [
      'INM repeated fields (array)',
      'GET',
      { 'if-none-match': ['"v1"', '"v2"'] },
      current,
      'not-modified',
      'if-none-match',
    ],
    ['INM on HEAD', 'HEAD', { 'if-none-match': '"v2"' }, current, 'not-modified', 'if-none-match'],
    ['INM method is case-insensitive', 'get', { 'if-none-match': '"v2"' }, current, 'not-modified', 'if-none-match'],
    ['INM match on PUT → 412', 'PUT', { 'if-none-match': '"v2"' }, current, 'precondition-failed', 'if-none-match'],
    [
      'INM * on PUT when it exists → 412',
      'PUT',
      { 'if-none-match': '*' },
      current,
      'precondition-failed',
      'if-none-match',
    ],
    ['INM * on PUT when it does not exist', 'PUT', { 'if-none-match': '*' }, { exists: false }, 'proceed', undefined],
    [
      'INM * on POST when it exists → 412',
      'POST',
      { 'if-none-match': '*' },
      current,
      'precondition-failed',
      'if-none-match',
    ],
    [
      'OPTIONS ignores preconditions',
      'OPTIONS',
      { 'if-none-match': '"v2"', 'if-match': '"x"' },
      current,
      'proceed',
      undefined,
    ],
    ['TRACE ignores preconditions', 'TRACE', { 'if-match': '"x"' }, current, 'proceed', undefined],
    ['CONNECT ignores preconditions', 'CONNECT', { 'if-match': '"x"' }, current, 'proceed', undefined],
    // If-Modified-Since: GET/HEAD only, second resolution, ignored with INM
    [
      'IMS equal to Last-Modified',
      'GET',
      { 'if-modified-since': at(100) },
      current,
      'not-modified',
      'if-modified-since',
    ],
    ['IMS after Last-Modified', 'GET', { 'if-modified-since': at(200) }, current, 'not-modified', 'if-modified-since'],
    ['IMS before Last-Modified', 'GET', { 'if-modified-since': at(99) }, current, 'proceed', undefined],
    [
      'IMS with sub-second Last-Modified',
      'GET',
      { 'if-modified-since': at(100) },
      { lastModified: BASE + 100_999 },
      'not-modified',
      'if-modified-since',
    ],
    [
      'IMS with Date Last-Modified',
      'GET',
      { 'if-modified-since': at(100) },
      { lastModified: new Date(BASE + 100_000) },
      'not-modified',
      'if-modified-since',
    ],
    [
      'IMS with ISO string Last-Modified',
      'GET',
      { 'if-modified-since': at(100) },
      { lastModified: '2026-01-01T00:01:40Z' },
      'not-modified',
      'if-modified-since',
    ],
    [
      'IMS with invalid Last-Modified',
      'GET',
      { 'if-modified-since': at(100) },
      { lastModified: 'soon' },
      'proceed',
      undefined,
    ],
    [
      'IMS with invalid Date Last-Modified',
      'GET',
      { 'if-modified-since': at(100) },
      { lastModified: new Date(Number.NaN) },
      'proceed',
      undefined,
    ],
    ['IMS without Last-Modified', 'GET', { 'if-modified-since': at(100) }, { etag: '"v2"' }, 'proceed', undefined],
    ['IMS invalid date', 'GET', { 'if-modified-since': 'yesterday' }, current, 'proceed', undefined],
    ['IMS "1" is not an HTTP-date', 'GET', { 'if-modified-since': '1' }, { lastModified: 0 }, 'proceed', undefined],
    ['IMS with two dates', 'GET', { 'if-modified-since': `${at(100)}, ${at(100)}` }, current, 'proceed', undefined],
    [
      'IMS in RFC 850 form',
      'GET',
      { 'if-modified-since': 'Thursday, 01-Jan-26 00:01:40 GMT' },
      current,
      'not-modified',
      'if-modified-since',
    ],
    [
      'IMS in asctime form',
      'GET',
      { 'if-modified-since': 'Thu Jan  1 00:01:40 2026' },
      current,
      'not-modified',
      'if-modified-since',
    ],
    [
      'IMS on 31 Feb is invalid',
      'GET',
      { 'if-modified-since': 'Tue, 31 Feb 2026 00:00:00 GMT' },
      current,
      'proceed',
      undefined,
    ],
    ['IMS on HEAD', 'HEAD', { 'if-modified-since': at(100) }, current, 'not-modified', 'if-modified-since'],
    ['IMS ignored on POST', 'POST', { 'if-modified-since': at(100) }, current, 'proceed', undefined],
    ['IMS ignored on PUT', 'PUT', { 'if-modified-since': at(100) }, current, 'proceed', undefined],
    [
      'IMS ignored when INM does not match',
      'GET',
      { 'if-none-match': '"v1"', 'if-modified-since': at(100) },
      current,
      'proceed',
      undefined,
    ],
    [
      'INM decides when both match',
      'GET',
      { 'if-none-match': '"v2"', 'if-modified-since': at(200) },
      current,
      'not-modified',
      'if-none-match',
    ],
    [
      'IMS ignored when INM matches and IMS would not',
      'GET',
      { 'if-none-match': '"v2"', 'if-modified-since': at(1) },
      current,
      'not-modified',
      'if-none-match',
    ],
    [
      'IMS used when INM is empty',
      'GET',
      { 'if-none-match': '', 'if-modified-since': at(100) },
      current,
      'not-modified',
      'if-modified-since',
    ],
    // If-Match: strong comparison, *, unsafe and safe methods
    ['IM matches', 'PUT', { 'if-match': '"v2"' }, current, 'proceed', undefined],
    ['IM does not match', 'PUT', { 'if-match': '"v1"' }, current, 'precondition-failed', 'if-match'],
    ['IM list with a match', 'PATCH', { 'if-match': '"v1", "v2"' }, current, 'proceed', undefined],
    [
      'IM weak tag never matches (strong comparison)',
      'PUT',
      { 'if-match': 'W/"v2"' },
      current,
      'precondition-failed',
      'if-match',
    ],
    [
      'IM against a weak current tag fails',
      'PUT',
      { 'if-match': '"v2"' },
      { etag: 'W/"v2"' },
      'precondition-failed',
      'if-match',
    ],
    ['IM * when the resource exists', 'DELETE', { 'if-match': '*' }, current, 'proceed', undefined],
    ['IM * when it does not exist', 'PUT', { 'if-match': '*' }, { exists: false }, 'precondition-failed', 'if-match'],
    [
      'IM tag when it does not exist',
      'PUT',
      { 'if-match': '"v2"' },
      { etag: '"v2"', exists: false },
      'precondition-failed',
      'if-match',
    ],
    [
      'IM when the resource has no ETag',
      'PUT',
      { 'if-match': '"v2"' },
      { lastModified: at(100) },
      'precondition-failed',
      'if-match',
    ],
    ['IM unquoted garbage', 'DELETE', { 'if-match': 'v2' }, current, 'precondition-failed', 'if-match'],
    ['IM on GET', 'GET', { 'if-match': '"v1"' }, current, 'precondition-failed', 'if-match'],
    ['IM on POST', 'POST', { 'if-match': '"v2"' }, current, 'proceed', undefined],
    // If-Unmodified-Since: ignored with If-Match, invalid dates, unknown Last-Modified
    ['IUS equal to Last-Modified', 'DELETE', { 'if-unmodified-since': at(100) }, current, 'proceed', undefined],
    ['IUS after Last-Modified', 'PUT', { 'if-unmodified-since': at(101) }, current, 'proceed', undefined],
    [
      'IUS before Last-Modified',
      'PUT',
      { 'if-unmodified-since': at(99) },
      current,
      'precondition-failed',
      'if-unmodified-since',
    ],
    ['IUS invalid date', 'PUT', { 'if-unmodified-since': 'then' }, current, 'proceed', undefined],
    ['IUS without Last-Modified', 'PUT', { 'if-unmodified-since': at(1) }, { etag: '"v2"' }, 'proceed', undefined],
    [
      'IUS on GET before Last-Modified',
      'GET',
      { 'if-unmodified-since': at(1) },
      current,
      'precondition-failed',
      'if-unmodified-since',
    ],
    [
      'IUS ignored when If-Match is present (and passes)',
      'PUT',
      { 'if-match': '"v2"', 'if-unmodified-since': at(1) },
      current,
      'proceed',
      undefined,
    ],
    [
      'If-Match decides before IUS',
      'PUT',
      { 'if-match': '"v1"', 'if-unmodified-since': at(200) },
      current,
      'precondition-failed',
      'if-match',
    ],
    // Order of evaluation
    [
      'If-Match is evaluated before INM',
      'GET',
      { 'if-match': '"v1"', 'if-none-match': '"v2"' },
      current,
      'precondition-failed',
      'if-match',
    ],
    [
      'If-Match passes, INM matches on GET → 304',
      'GET',
      { 'if-match': '"v2"', 'if-none-match': '"v2"' },
      current,
      'not-modified',
      'if-none-match',
    ],
    [
      'If-Match passes, INM matches on PUT → 412',
      'PUT',
      { 'if-match': '"v2"', 'if-none-match': '"v2"' },
      current,
      'precondition-failed',
      'if-none-match',
    ],
    [
      'IUS passes, IMS unmodified on GET → 304',
      'GET',
      { 'if-unmodified-since': at(100), 'if-modified-since': at(100) },
      current,
      'not-modified',
      'if-modified-since',
    ],
    [
      'IUS fails before IMS is considered',
      'GET',
      { 'if-unmodified-since': at(1), 'if-modified-since': at(200) },
      current,
      'precondition-failed',
      'if-unmodified-since',
    ],
  ];

  it.each(rows)('%s (%s)', (_name, method, headers, validators, expected, header) => {
    expect(evaluatePreconditions({ method, headers, ...validators })).toBe(expected);
    expect(checkPreconditions({ method, headers, ...validators })).toEqual({ result: expected, header });
  });

  it('never answers 304 to an unsafe method and never 412 without a failing header (property)', () => {
    const tag = fc.constantFrom('"a"', 'W/"a"', '"b"', '*', 'a', '');
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.record({
          'if-match': fc.option(tag, { nil: undefined }),
          'if-none-match': fc.option(tag, { nil: undefined }),
        }),
        fc.constantFrom('"a"', 'W/"a"', undefined),
        fc.boolean(),
        (method, headers, etag, exists) => {
          const { result, header } = checkPreconditions({ method, headers, etag, exists });
          if (method !== 'GET' && method !== 'HEAD') expect(result).not.toBe('not-modified');
          if (result === 'proceed') expect(header).toBeUndefined();
          else {
            const sent: ConditionalRequestHeaders = headers;
            expect(String(sent[header ?? 'if-modified-since'] ?? '').trim()).not.toBe('');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseEntityTags', () => {
  it.each([
    ['*', '*'],
    [' * ', '*'],
    ['"a"', [{ weak: false, opaque: '"a"' }]],
    ['W/"a"', [{ weak: true, opaque: '"a"' }]],
    [
      '"a", W/"b" ,"c"',
      [
        { weak: false, opaque: '"a"' },
        { weak: true, opaque: '"b"' },
        { weak: false, opaque: '"c"' },
      ],
    ],
    ['""', [{ weak: false, opaque: '""' }]],
    [
      '"a,b", "c"',
      [
        { weak: false, opaque: '"a,b"' },
        { weak: false, opaque: '"c"' },
      ],
    ],
    ['a, "b"', [{ weak: false, opaque: '"b"' }]],
    ['"a" x, "b"', [{ weak: false, opaque: '"b"' }]],
    ['"a b"', []],
    ['"unterminated', []],
    ['', []],
  ])('%j → %j', (input, expected) => {
    expect(parseEntityTags(input)).toEqual(expected);
  });

  it('parses any list of valid tags joined with commas back into the same tags (property)', () => {
    const opaque = fc.stringMatching(/^[\x21\x23-\x7e]{0,12}$/).map((s) => `"${s}"`);
    fc.assert(
      fc.property(fc.array(fc.record({ weak: fc.boolean(), opaque }), { minLength: 1, maxLength: 6 }), (tags) => {
        const field = tags.map((t) => `${t.weak ? 'W/' : ''}${t.opaque}`).join(' , ');
        expect(parseEntityTags(field)).toEqual(tags);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseHttpDate', () => {
  const sunday = Date.UTC(1994, 10, 6, 8, 49, 37);
  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', sunday],
    ['Sunday, 06-Nov-94 08:49:37 GMT', sunday],
    ['Sun Nov  6 08:49:37 1994', sunday],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['Sun, 06 Nov 1994 08:49:37 UTC', undefined],
    ['06 Nov 1994 08:49:37 GMT', undefined],
    ['Sun, 6 Nov 1994 08:49:37 GMT', undefined],
    ['Sun, 06 Nov 1994 24:00:00 GMT', undefined],
    ['1994-11-06T08:49:37Z', undefined],
    ['1', undefined],
    ['', undefined],
  ])('%j → %s', (input, expected) => {
    expect(parseHttpDate(input)).toBe(expected);
  });

  it('reads what Date#toUTCString writes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799 }), (seconds) => {
        expect(parseHttpDate(new Date(seconds * 1000).toUTCString())).toBe(seconds * 1000);
      }),
    );
  });
});

describe('notModifiedHeaders', () => {
  it('keeps only the headers RFC 9110 §15.4.5 allows, lower-cased', () => {
    expect(
      notModifiedHeaders({
        ETag: '"v2"',
        'Cache-Control': 'max-age=60',
        Vary: 'Accept-Encoding',
        Date: 'Thu, 01 Jan 2026 00:00:00 GMT',
        Expires: 'Thu, 01 Jan 2026 00:01:00 GMT',
        'Content-Location': '/items/1',
        'Last-Modified': at(0),
        'Content-Type': 'application/json',
        'Content-Length': 12,
        'Set-Cookie': ['a=1'],
        'X-Powered-By': 'Express',
        'Content-Encoding': 'gzip',
      }),
    ).toEqual({
      etag: '"v2"',
      'cache-control': 'max-age=60',
      vary: 'Accept-Encoding',
      date: 'Thu, 01 Jan 2026 00:00:00 GMT',
      expires: 'Thu, 01 Jan 2026 00:01:00 GMT',
      'content-location': '/items/1',
    });
  });

  it('keeps Last-Modified when there is no ETag', () => {
    expect(notModifiedHeaders({ 'last-modified': at(0), 'content-type': 'text/plain' })).toEqual({
      'last-modified': at(0),
    });
  });

  it('keeps the extra names given', () => {
    expect(notModifiedHeaders({ etag: '"a"', 'X-Request-Id': 'r1', 'x-other': 'o' }, ['x-request-id'])).toEqual({
      etag: '"a"',
      'x-request-id': 'r1',
    });
  });
});

describe('isSafeMethod', () => {
  it.each([
    ['GET', true],
    ['head', true],
    ['OPTIONS', true],
    ['TRACE', true],
    ['POST', false],
    ['PUT', false],
    ['PATCH', false],
    ['DELETE', false],
  ])('%s → %s', (method, expected) => {
    expect(isSafeMethod(method)).toBe(expected);
  });
});
