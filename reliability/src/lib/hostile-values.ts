import fc from 'fast-check';

/**
 * Value generators of scenario 4 (hostile input): random and adversarial values for every query
 * parameter, header and body the example app reads. Each mixes plausible values (so requests get
 * past the first check and reach deeper code) with hostile ones (prototype keys, deep nesting,
 * huge lists, broken syntax, unicode, numbers beyond every limit).
 */

/** Names the prototype-pollution family of bugs is about. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** What the test learned from the running app before fuzzing: real values to tamper with. */
export interface FuzzContext {
  /** Cursors the app issued (`next_cursor` of real pages). */
  cursors: string[];
  /** Real ETags of products. */
  etags: string[];
  /** Category slugs that exist. */
  categories: string[];
}

const PRODUCT_MEMBERS = ['id', 'name', 'category', 'price', 'stock', 'description', 'created_at', 'updated_at'];
const PAGE_MEMBERS = ['data', 'pagination', 'links', 'next_cursor', 'has_more', 'self', 'next'];

const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });
const anyText = fc.oneof(fc.string({ maxLength: 40 }), unicode, fc.string({ unit: 'binary', maxLength: 20 }));

/** A field name: real members, prototype keys, wildcards, escapes, unicode, random. */
const fieldName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PRODUCT_MEMBERS, ...PAGE_MEMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, '*', '\\*', 'toString', 'hasOwnProperty', 'valueOf') },
  { weight: 1, arbitrary: unicode.filter((s) => s.length > 0) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z_]{1,12}$/) },
);

/** A well-formed (or nearly) field mask in the json-mask / Google syntax: `a,b/c,d(e,f)`. */
const mask: fc.Arbitrary<string> = fc.letrec<{ mask: string; item: string }>((tie) => ({
  mask: fc.array(tie('item'), { minLength: 1, maxLength: 5 }).map((items) => items.join(',')),
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fieldName,
    fc.tuple(fieldName, fieldName).map(([a, b]) => `${a}/${b}`),
    fc.tuple(fieldName, tie('mask')).map(([a, inner]) => `${a}(${inner})`),
  ),
})).mask;

/** `fields` / `exclude`: masks, deep nesting, huge lists, unbalanced parentheses, raw garbage. */
export const fieldsValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: mask },
  // Deep nesting, within and far beyond maxDepth (16) and the 2048-character maxLength.
  {
    weight: 2,
    arbitrary: fc
      .tuple(fieldName, fc.integer({ min: 1, max: 1200 }))
      .map(([n, d]) => `${n}(`.repeat(d) + n + ')'.repeat(d)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1500 }).map((d) => `${'a/'.repeat(d)}b`) },
  // Huge lists: past maxSelectors (256) and maxLength.
  {
    weight: 2,
    arbitrary: fc.tuple(fieldName, fc.integer({ min: 100, max: 3000 })).map(([n, k]) => Array(k).fill(n).join(',')),
  },
  // Unbalanced or empty groups and stray separators.
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z(),/*\\]{1,60}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '(',
      ')',
      '()',
      'a(',
      'a)',
      'a()',
      ',',
      ',,',
      '/',
      'a/',
      '/a',
      'a\\',
      '\\',
      'a((b)',
      'a(b))',
    ),
  },
  { weight: 1, arbitrary: anyText },
);

const base64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
  maxLength: 400,
});

/** `cursor` / `before`: real cursors tampered with (one character, truncated, re-signed halves), random and huge ones. */
export function cursorValue(context: FuzzContext): fc.Arbitrary<string> {
  const real = fc.constantFrom(...context.cursors);
  return fc.oneof(
    { weight: 2, arbitrary: real },
    {
      weight: 3,
      arbitrary: fc.tuple(real, fc.nat(), fc.constantFrom(...'AaZz09-_.='.split(''))).map(([cursor, at, char]) => {
        const index = at % cursor.length;
        return cursor.slice(0, index) + char + cursor.slice(index + 1);
      }),
    },
    { weight: 2, arbitrary: fc.tuple(real, fc.nat()).map(([cursor, at]) => cursor.slice(0, at % cursor.length)) },
    {
      weight: 1,
      arbitrary: fc.tuple(real, real).map(([a, b]) => `${a.split('.')[0] ?? ''}.${b.split('.')[1] ?? ''}`),
    },
    { weight: 2, arbitrary: fc.tuple(base64url, base64url).map(([a, b]) => `${a}.${b}`) },
    { weight: 1, arbitrary: base64url },
    { weight: 1, arbitrary: fc.integer({ min: 2000, max: 12_000 }).map((n) => 'A'.repeat(n)) },
    { weight: 1, arbitrary: anyText },
  );
}

/** Numbers as a client might mistype them: signs, exponents, hex, padding, unicode digits, huge. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 250 }).map(String) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '0',
      '-0',
      '00020',
      '1e3',
      '0x10',
      ' 5',
      '5 ',
      '5.0',
      '5.5',
      'NaN',
      'Infinity',
      '٣',
      '２０',
      '9007199254740993',
      '+7',
    ),
  },
  { weight: 1, arbitrary: anyText },
);

/** `sort`: the six allowed values and near misses. */
export const sortValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('price', '-price', 'name', '-name', 'created_at', '-created_at'),
  fc.constantFrom('+price', '--price', 'id', '-id', 'PRICE', 'price,name', '', ...PROTO_KEYS),
  anyText,
);

/** `category`: real slugs and anything else. */
export function categoryValue(context: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...context.categories),
    fc.stringMatching(/^[a-z0-9-]{0,70}$/),
    fc.constantFrom(...PROTO_KEYS, "kitchen' OR 1=1 --", 'kitchen;DROP TABLE products'),
    anyText,
  );
}

/** Entity-tag headers (`If-None-Match`, `If-Match`): real tags, `*`, weak tags, huge lists, garbage. */
export function entityTagsValue(context: FuzzContext): fc.Arbitrary<string> {
  const real = fc.constantFrom(...context.etags);
  const tag = fc.oneof(
    real,
    real.map((t) => `W/${t}`),
    fc.stringMatching(/^"[!#-~]{0,20}"$/),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(tag, { minLength: 1, maxLength: 6 }).map((tags) => tags.join(', ')) },
    { weight: 1, arbitrary: fc.constantFrom('*', 'W/*', '"', '""', 'W/', 'W/""', ',', ' , ,', '"a", *', 'unquoted') },
    {
      weight: 1,
      arbitrary: fc.tuple(tag, fc.integer({ min: 100, max: 600 })).map(([t, k]) => Array(k).fill(t).join(',')),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^[ -~]{0,80}$/) },
  );
}

/** `Accept`: JSON, problem+json, OpenMetrics, q-values out of range, wildcards, garbage. */
export const acceptValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'application/json',
    '*/*',
    'text/html',
    'application/openmetrics-text; version=1.0.0',
    'application/openmetrics-text; version=abc; q=2',
    'text/plain;version=0.0.4;q=0.5, */*;q=0',
    'application/*;q=-1',
    '*/*;q=abc',
    ';;;,,,',
    'image/png',
  ),
  fc.integer({ min: 50, max: 400 }).map((k) => Array(k).fill('application/x-a;q=0.1').join(', ')),
  fc.stringMatching(/^[ -~]{0,60}$/),
);

/** `Accept-Encoding`: br/gzip with odd q-values, `identity;q=0`, unknown codings, huge lists. */
export const acceptEncodingValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'br',
    'gzip',
    'gzip, br',
    'br;q=2',
    'gzip;q=-1',
    '*;q=0',
    'identity;q=0',
    'identity;q=0, *;q=0',
    'zstd',
    'x-gzip',
    'deflate',
    '',
  ),
  fc.integer({ min: 50, max: 400 }).map((k) => Array(k).fill('gzip;q=0.5').join(',')),
  fc.stringMatching(/^[ -~]{0,60}$/),
);

/** JSON values to put in a body member: wrong types, huge and special numbers, deep nesting. */
const memberValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -10, max: 200_000_000 }),
  fc.constantFrom(1e21, -0, 0.5, 2 ** 53 + 2, Number.MAX_VALUE, null, true, '', '   '),
  fc.string({ maxLength: 300 }),
  fc.integer({ min: 150, max: 3000 }).map((n) => 'x'.repeat(n)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A JSON request body as text: product-like objects, prototype keys, broken JSON, deep nesting, raw huge numbers. */
export function bodyText(context: FuzzContext): fc.Arbitrary<string> {
  const member = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('name', 'category', 'price', 'stock', 'description') },
    { weight: 1, arbitrary: fc.constantFrom('id', 'created_at', 'updated_at', ...PROTO_KEYS, 'toString', '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const valid = fc.record({
    name: fc.stringMatching(/^[A-Za-z ]{1,30}$/),
    category: fc.constantFrom(...context.categories),
    price: fc.integer({ min: 0, max: 100_000 }),
    stock: fc.integer({ min: 0, max: 1000 }),
  });
  return fc.oneof(
    { weight: 2, arbitrary: valid.map((product) => JSON.stringify(product)) },
    {
      weight: 4,
      arbitrary: fc.dictionary(member, memberValue, { maxKeys: 6 }).map((object) => JSON.stringify(object)),
    },
    // JSON.stringify drops a __proto__ own key only when it is the real prototype; write the text by hand.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...PROTO_KEYS),
          fc.constantFrom('{"price":1}', '{"prototype":{"polluted":true}}', 'null', '[]', '"x"'),
        )
        .map(([key, value]) => `{"${key}":${value},"name":"Proto"}`),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 9000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 4000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"price":1e400}',
        '{"price":-1e400}',
        '{"stock":1.0}',
        '{"price":123456789012345678901234567890}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"a":}',
        'null',
        '[]',
        '"text"',
        '{"name":"a",}',
        '\u0000',
        '{"name":"\\ud800"}',
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null') },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 16_000, max: 40_000 }).map((n) => JSON.stringify({ description: 'd'.repeat(n) })),
    },
  );
}
