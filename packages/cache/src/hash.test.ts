import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEntityTag } from './conditional.js';
import { strongEtag, tagOf, toEntityTag, weakEtag } from './hash.js';

describe('strongEtag', () => {
  it.each([
    ['', '"0-2jmj7l5rSw0yVb_vlWAYkK_YBwk"'],
    ['hello', '"5-qvTGHdzF6KLavt4PO0gs2a6pQ00"'],
    ['{"id":1,"name":"Ada"}', '"15-Uz5tLeD_GUuik8TTq8kwMsgQWKc"'],
    ['héllo', '"6-NbXqRcXkH3i0apN8x01B3-qSCJA"'],
  ])('tags the UTF-8 bytes of %j as %s', (body, expected) => {
    expect(strongEtag(body)).toBe(expected);
    expect(strongEtag(Buffer.from(body, 'utf8'))).toBe(expected);
    expect(strongEtag(new Uint8Array(Buffer.from(body, 'utf8')))).toBe(expected);
  });

  it('weakEtag is the W/ form of the strong tag', () => {
    expect(weakEtag('hello')).toBe('W/"5-qvTGHdzF6KLavt4PO0gs2a6pQ00"');
  });

  it('is a valid strong entity tag of length-hex and SHA-1 for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const tag = strongEtag(bytes);
        const sha1 = crypto.createHash('sha1').update(bytes).digest('base64url');
        expect(tag).toBe(`"${bytes.length.toString(16)}-${sha1}"`);
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
        expect(tagOf(text, bytes.byteLength)).toBe(strongEtag(bytes));
      }),
      { numRuns: 200 },
    );
    expect(strongEtag('\ud800x')).toBe(strongEtag(Buffer.from([0xef, 0xbf, 0xbd, 0x78])));
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
