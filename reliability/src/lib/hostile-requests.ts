import fc from 'fast-check';
import { pathRequest, rawRequest } from './hostile-malformed.js';
import {
  acceptEncodingValue,
  acceptValue,
  bodyText,
  categoryValue,
  cursorValue,
  entityTagsValue,
  type FuzzContext,
  fieldsValue,
  numberText,
  PROTO_KEYS,
  sortValue,
} from './hostile-values.js';

/** One generated request of scenario 4. */
export interface HostileRequest {
  /** The family it belongs to (for the figures): `list`, `item`, `write`, `ops`, `path`, `raw`. */
  family: string;
  method: string;
  /** The request target exactly as sent. */
  path: string;
  /** Header name/value pairs in order; a name may repeat. */
  headers: [string, string][];
  body?: string;
  /**
   * Set for malformed HTTP that a client library refuses to produce: these bytes are written as
   * they are on a fresh connection (`Connection: close`), and Node's HTTP parser may answer first.
   */
  raw?: string;
}

type Pair = [string, string];

/**
 * How a query value is put in the URL: percent-encoded as a browser does, with a broken escape
 * appended (`%`, `%zz`, a truncated UTF-8 sequence, `%00`), or with reserved characters raw.
 */
const encoding = fc.constantFrom('encoded', 'encoded', 'encoded', 'broken', 'raw');
const brokenEscape = fc.constantFrom('%', '%z', '%zz', '%E0%A4', '%C3', '%00', '%%', '%u0041', '%FF%FE');

/** `encodeURIComponent`, except that a lone surrogate becomes the bytes of one (invalid UTF-8) instead of throwing. */
export function encodeLoose(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[^A-Za-z0-9\-_.!~*'()]/g, (c) =>
    c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%ED%A0%80' : encodeURIComponent(c),
  );
}

function encodeQuery(pairs: Pair[], style: string, broken: string): string {
  if (pairs.length === 0) return '';
  const parts = pairs.map(([name, value]) => {
    const encoded = `${encodeLoose(name)}=${encodeLoose(value)}`;
    if (style === 'broken') return `${encoded}${broken}`;
    // Raw: reserved characters as they are, only what HTTP forbids in a request line is escaped.
    if (style === 'raw') return `${name}=${value}`.replace(/[^\u0021-\u007e]|#/g, (c) => encodeLoose(c));
    return encoded;
  });
  return `?${parts.join('&')}`;
}

/** `[name, value]` pairs for a list query: real names (repeated sometimes), prototype keys, bracket syntax, typos. */
function listPairs(context: FuzzContext): fc.Arbitrary<Pair[]> {
  const pair = fc.oneof(
    { weight: 3, arbitrary: fieldsValue.map((v): Pair => ['fields', v]) },
    { weight: 2, arbitrary: fieldsValue.map((v): Pair => ['exclude', v]) },
    { weight: 3, arbitrary: cursorValue(context).map((v): Pair => ['cursor', v]) },
    { weight: 1, arbitrary: cursorValue(context).map((v): Pair => ['before', v]) },
    { weight: 3, arbitrary: numberText.map((v): Pair => ['limit', v]) },
    { weight: 1, arbitrary: numberText.map((v): Pair => ['page', v]) },
    { weight: 2, arbitrary: sortValue.map((v): Pair => ['sort', v]) },
    { weight: 2, arbitrary: categoryValue(context).map((v): Pair => ['category', v]) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('min_price', 'max_price'), numberText) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom(
          ...PROTO_KEYS,
          'fields[]',
          'fields[0]',
          'a[b]',
          '__proto__[x]',
          'constructor[prototype][x]',
          '',
        ),
        fc.constantFrom('1', 'x', '', 'id'),
      ),
    },
  );
  return fc.array(pair, { maxLength: 5 });
}

function query(pairs: fc.Arbitrary<Pair[]>): fc.Arbitrary<string> {
  return fc.tuple(pairs, encoding, brokenEscape).map(([list, style, broken]) => encodeQuery(list, style, broken));
}

/** Request headers: entity tags, Accept, Accept-Encoding, dates, Range, Authorization, Host, duplicates. */
function headerPairs(context: FuzzContext): fc.Arbitrary<Pair[]> {
  const header = fc.oneof(
    { weight: 3, arbitrary: entityTagsValue(context).map((v): Pair => ['If-None-Match', v]) },
    { weight: 2, arbitrary: entityTagsValue(context).map((v): Pair => ['If-Match', v]) },
    { weight: 2, arbitrary: acceptValue.map((v): Pair => ['Accept', v]) },
    { weight: 3, arbitrary: acceptEncodingValue.map((v): Pair => ['Accept-Encoding', v]) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('If-Modified-Since', 'If-Unmodified-Since'),
        fc.constantFrom(
          'Thu, 01 Jan 1970 00:00:00 GMT',
          'Fri, 31 Dec 9999 23:59:59 GMT',
          '1',
          'yesterday',
          '',
          'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT',
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Pair>(['Range', 'bytes=0-10'], ['Range', 'bytes=-1'], ['Range', 'garbage']),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^[!-~]{0,40}$/).map((v): Pair => ['Authorization', `Bearer ${v}`]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Pair>(
        ['Host', 'evil.example'],
        ['Host', 'EXAMPLE.com:99999'],
        ['Host', '[::1'],
        ['Host', 'a b'],
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Pair>(
        ['X-Forwarded-For', '1.2.3.4, garbage'],
        ['X-Forwarded-Host', 'evil.example'],
        ['X-Forwarded-Proto', 'gopher'],
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Pair>(
        ['Cache-Control', 'no-cache'],
        ['Cache-Control', 'max-age=abc'],
        ['Pragma', 'no-cache'],
      ),
    },
  );
  return fc.array(header, { maxLength: 4 });
}

function productId(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 12_000 }).map(String) },
    { weight: 1, arbitrary: fc.integer({ min: 12_001, max: 2 ** 31 }).map(String) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '0',
        '-1',
        '1.5',
        '1e3',
        '0x10',
        '00042',
        '9'.repeat(40),
        '__proto__',
        'constructor',
        '%00',
        '%E2%80%AE42',
        '42%20',
        '%2e%2e',
        '..',
      ),
    },
  );
}

const listRequest = (c: FuzzContext) =>
  fc
    .record({ q: query(listPairs(c)), headers: headerPairs(c), method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD') })
    .map(({ q, headers, method }): HostileRequest => ({ family: 'list', method, path: `/products${q}`, headers }));

const itemRequest = (c: FuzzContext) =>
  fc
    .record({
      id: productId(),
      q: query(
        fc.array(fc.tuple(fc.constantFrom('fields', 'exclude', 'fields', 'limit', '__proto__'), fieldsValue), {
          maxLength: 3,
        }),
      ),
      headers: headerPairs(c),
      method: fc.constantFrom('GET', 'GET', 'HEAD'),
    })
    .map(
      ({ id, q, headers, method }): HostileRequest => ({
        family: 'item',
        method,
        path: `/products/${id}${q}`,
        headers,
      }),
    );

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/merge-patch+json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
);

const writeRequest = (c: FuzzContext) =>
  fc
    .record({
      method: fc.constantFrom('POST', 'POST', 'PATCH', 'PATCH', 'PATCH', 'DELETE', 'PUT'),
      id: productId(),
      body: bodyText(c),
      type: contentType,
      ifMatch: fc.option(fc.oneof(fc.constant('*'), fc.constant('*'), entityTagsValue(c)), { nil: undefined }),
      encoding: fc.option(fc.constantFrom('gzip', 'br', 'identity', 'compress'), { nil: undefined, freq: 10 }),
    })
    .map(({ method, id, body, type, ifMatch, encoding: coding }): HostileRequest => {
      const headers: Pair[] = [];
      if (type !== '') headers.push(['Content-Type', type]);
      if (coding !== undefined) headers.push(['Content-Encoding', coding]);
      // DELETE only with garbage If-Match or on ids past the seed, so the catalog stays mostly intact.
      const deleting = method === 'DELETE';
      if (ifMatch !== undefined && !(deleting && ifMatch === '*')) headers.push(['If-Match', ifMatch]);
      const path = method === 'POST' ? '/products' : `/products/${id}`;
      return { family: 'write', method, path, headers, ...(deleting ? {} : { body }) };
    });

const opsRequest = (c: FuzzContext) =>
  fc
    .record({
      path: fc.constantFrom(
        '/health/live',
        '/health/ready',
        '/health/startup',
        '/metrics',
        '/categories',
        '/categories?x=1',
        '/metrics?name[]=a',
      ),
      headers: headerPairs(c),
      method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'),
    })
    .map(({ path, headers, method }): HostileRequest => ({ family: 'ops', method, path, headers }));

/** The whole mix, weighted towards the routes with the most parsing. */
export function hostileRequest(context: FuzzContext): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    { weight: 30, arbitrary: listRequest(context) },
    { weight: 20, arbitrary: itemRequest(context) },
    { weight: 25, arbitrary: writeRequest(context) },
    { weight: 10, arbitrary: opsRequest(context) },
    { weight: 8, arbitrary: pathRequest },
    { weight: 3, arbitrary: rawRequest },
  );
}

/** `count` requests, the same for the same `seed` (fast-check's sampler). */
export function sampleHostileRequests(context: FuzzContext, seed: number, count: number): HostileRequest[] {
  return fc.sample(hostileRequest(context), { seed, numRuns: count });
}
