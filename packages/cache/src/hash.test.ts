import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEntityTag } from './conditional.js';
import { strongEtag, tagWithin, toEntityTag, weakEtag } from './hash.js';
import { xxh64BigInt } from './xxh64.js';

describe('strongEtag', () => {
  it.each([
    // XXH64 digests from another implementation (xxhash-wasm 1.1.0), see xxh64.test.ts.
    ['', '"0-70bbN1HY6Zk"'],
    ['hello', '"5-JseCfYifbaM"'],
    ['{"id":1,"name":"Ada"}', '"15-FkL7ZkLPRlo"'],
    ['héllo', '"6-O9BjEDiOu-Q"'],
  ])('tags the UTF-8 bytes of %j as %s', (body, expected) => {
    expect(strongEtag(body)).toBe(expected);
    expect(strongEtag(Buffer.from(body, 'utf8'))).toBe(expected);
    expect(strongEtag(new Uint8Array(Buffer.from(body, 'utf8')))).toBe(expected);
  });

  it('weakEtag is the W/ form of the strong tag', () => {
    expect(weakEtag('hello')).toBe('W/"5-JseCfYifbaM"');
  });

  it('is a valid strong entity tag of length-hex and XXH64 for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const tag = strongEtag(bytes);
        const digest = Buffer.alloc(8);
        digest.writeBigUInt64BE(xxh64BigInt(bytes));
        expect(tag).toBe(`"${bytes.length.toString(16)}-${digest.toString('base64url')}"`);
        expect(parseEntityTag(tag)).toEqual({ weak: false, opaque: tag });
      }),
      { numRuns: 200 },
    );
  });

  it('hashes a string directly to the tag of its UTF-8 bytes (lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 512 }), (text) => {
        const bytes = Buffer.from(text, 'utf8');
        expect(strongEtag(text)).toBe(strongEtag(bytes));
        expect(tagWithin(text, bytes.byteLength)).toBe(strongEtag(bytes));
        expect(tagWithin(bytes, bytes.byteLength)).toBe(strongEtag(bytes));
        // Near the limit: a string of few characters but many bytes.
        expect(tagWithin(text, Math.floor(bytes.byteLength / 2))).toBe(
          bytes.byteLength === 0 ? strongEtag(bytes) : undefined,
        );
        if (bytes.byteLength > 0) {
          expect(tagWithin(text, bytes.byteLength - 1)).toBeUndefined();
          expect(tagWithin(bytes, bytes.byteLength - 1)).toBeUndefined();
        }
      }),
      { numRuns: 200 },
    );
    expect(strongEtag('\ud800x')).toBe(strongEtag(Buffer.from([0xef, 0xbf, 0xbd, 0x78])));
  });

  it('tags any view as its bytes, whatever was hashed before', () => {
    const expected = strongEtag(Buffer.from([1, 2, 3, 4]));
    // Built from bytes, so the test holds on big-endian machines too.
    const words = new Uint16Array(new Uint8Array([1, 2, 3, 4]).buffer);
    for (const before of ['x'.repeat(50), 'y']) {
      strongEtag(before);
      expect(strongEtag(words)).toBe(expected);
      expect(strongEtag(new DataView(words.buffer))).toBe(expected);
      expect(strongEtag(new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(1, 5))).toBe(expected);
    }
    expect(weakEtag(words)).toBe(`W/${expected}`);
  });

  it('differs when one byte differs', () => {
    expect(strongEtag(Buffer.from([1, 2, 3]))).not.toBe(strongEtag(Buffer.from([1, 2, 4])));
  });
});

describe('toEntityTag', () => {
  it.each([
    ['"v7"', '"v7"'],
    [' W/"v7" ', 'W/"v7"'],
    ['v7', '"v7"'],
    ['42', '"42"'],
    ['two words', undefined],
    ['a"b', undefined],
    ['', undefined],
  ])('%j → %j', (input, expected) => {
    expect(toEntityTag(input)).toBe(expected);
  });
});
