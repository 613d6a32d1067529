import { createHmac } from 'node:crypto';
import { isProblemError } from '@expresskit/core';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';
import { type CursorOptions, decodeCursor, encodeCursor } from './cursor.js';

const secret = 'a-test-secret-of-32-bytes-length';
const bind = { sort: ['-created_at', '-id'], filters: [['status', 'open']] };
const options: CursorOptions = { secret, bind };

function ruleOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (isProblemError(error)) return error.extensions.rule;
    throw error;
  }
  return 'accepted';
}

describe('encodeCursor / decodeCursor', () => {
  it('round-trips strings, numbers, booleans, null, Dates and bigints', () => {
    const values = ['héllo ✓', 42, -1.5, true, null, new Date('2026-11-24T03:00:00.000Z'), 12345678901234567890n];
    const token = encodeCursor(values, options);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(decodeCursor(token, options)).toEqual(values);
  });

  it('is base64url(version byte + JSON) "." base64url(HMAC-SHA256 over the encoded part)', () => {
    const token = encodeCursor(['2026-01-01', 7], options);
    const [encoded = '', signature] = token.split('.');
    const bytes = Buffer.from(encoded, 'base64url');
    expect(bytes[0]).toBe(1);
    expect(JSON.parse(bytes.subarray(1).toString('utf8'))).toEqual({ k: ['2026-01-01', 7], b: expect.any(String) });
    expect(signature).toBe(createHmac('sha256', secret).update(encoded).digest('base64url'));
  });

  it('rejects every single-character change of a token', () => {
    const token = encodeCursor(['2026-01-01T00:00:00Z', 17], options);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    let tried = 0;
    for (let i = 0; i < token.length; i += 1) {
      for (const char of alphabet) {
        if (char === token[i]) continue;
        const tampered = token.slice(0, i) + char + token.slice(i + 1);
        expect(
          ruleOf(() => decodeCursor(tampered, options)),
          `position ${i} → ${char}`,
        ).toMatch(/^cursor-(signature|format)$/);
        tried += 1;
      }
    }
    expect(tried).toBe(token.length * (alphabet.length - 1));
  });

  it('rejects every bit flip of the decoded bytes, and truncations and extensions', () => {
    const token = encodeCursor(['x', 1], options);
    const [encoded = '', signature = ''] = token.split('.');
    for (const part of ['payload', 'signature'] as const) {
      const bytes = Buffer.from(part === 'payload' ? encoded : signature, 'base64url');
      for (let bit = 0; bit < bytes.length * 8; bit += 1) {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const text = flipped.toString('base64url');
        const tampered = part === 'payload' ? `${text}.${signature}` : `${encoded}.${text}`;
        expect(ruleOf(() => decodeCursor(tampered, options))).toBe('cursor-signature');
      }
    }
    expect(ruleOf(() => decodeCursor(token.slice(0, -1), options))).toMatch(/^cursor-(signature|format)$/);
    expect(ruleOf(() => decodeCursor(`${token}A`, options))).toBe('cursor-signature');
    expect(ruleOf(() => decodeCursor(`A${token}`, options))).toBe('cursor-signature');
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['leading dot', '.abc'],
    ['two dots', 'a.b.c'],
    ['not base64url', 'a+b.c/d'],
    ['padding', 'YQ==.YQ=='],
    ['too long', `${'A'.repeat(3000)}.${'A'.repeat(43)}`],
  ])('rejects a malformed token (%s) as cursor-format', (_name, token) => {
    expect(ruleOf(() => decodeCursor(token, options))).toBe('cursor-format');
  });

  it('rejects a well-signed payload of an unknown version, or one that is not a cursor', () => {
    const forge = (bytes: Buffer): string => {
      const encoded = bytes.toString('base64url');
      return `${encoded}.${createHmac('sha256', secret).update(encoded).digest('base64url')}`;
    };
    const json = Buffer.from(JSON.stringify({ k: [1], b: 'x' }));
    expect(ruleOf(() => decodeCursor(forge(Buffer.concat([Buffer.from([2]), json])), options))).toBe('cursor-version');
    expect(ruleOf(() => decodeCursor(forge(Buffer.concat([Buffer.from([1]), Buffer.from('{')])), options))).toBe(
      'cursor-format',
    );
    expect(ruleOf(() => decodeCursor(forge(Buffer.from([1, 0x6e, 0x75, 0x6c, 0x6c])), options))).toBe('cursor-format');
    const badValue = Buffer.from(JSON.stringify({ k: [{ x: 1 }], b: 'x' }));
    expect(ruleOf(() => decodeCursor(forge(Buffer.concat([Buffer.from([1]), badValue])), options))).toBe(
      'cursor-format',
    );
  });

  it('names the parameter it was given in the problem', () => {
    try {
      decodeCursor('nope', { ...options, parameter: 'before' });
    } catch (error) {
      expect(isProblemError(error) && error.toJSON()).toEqual({
        type: 'tag:expresskit.dev,2026:invalid-parameter',
        title: 'Invalid query parameter',
        status: 400,
        detail: '"before" is not a valid cursor',
        parameter: 'before',
        rule: 'cursor-format',
      });
    }
    expect.assertions(1);
  });
});

describe('limits of what a cursor carries', () => {
  it('refuses to issue a cursor that decodeCursor would reject as too long, and accepts the longest it issues', () => {
    expect(() => encodeCursor(['x'.repeat(1600)], options)).toThrow(
      new TypeError(
        'encodeCursor: the cursor would be 2231 characters, over the 2048 that decodeCursor accepts; sort on shorter keys',
      ),
    );
    const longest = encodeCursor(['x'.repeat(1400)], options);
    expect(longest.length).toBeLessThanOrEqual(2048);
    expect(decodeCursor(longest, options)).toEqual(['x'.repeat(1400)]);
  });

  it('round-trips a 40-digit bigint and refuses a longer one instead of issuing an undecodable cursor', () => {
    const big = -(10n ** 40n - 1n);
    expect(decodeCursor(encodeCursor([big], options), options)).toEqual([big]);
    expect(() => encodeCursor([10n ** 40n], options)).toThrow(
      new TypeError('encodeCursor: a bigint cursor value has at most 40 digits'),
    );
  });
});

describe('expiry', () => {
  it('accepts a cursor until its ttl has passed, then rejects it as cursor-expired', () => {
    let now = 1_000_000;
    const clock = { ...options, ttl: '15m', now: () => now };
    const token = encodeCursor([5], clock);
    now += 15 * 60_000 - 1;
    expect(decodeCursor(token, clock)).toEqual([5]);
    now += 1;
    expect(ruleOf(() => decodeCursor(token, clock))).toBe('cursor-expired');
  });

  it('without a ttl a cursor never expires', () => {
    const token = encodeCursor([5], options);
    expect(decodeCursor(token, { ...options, now: () => Number.MAX_SAFE_INTEGER })).toEqual([5]);
  });

  it('once a ttl is configured, a cursor issued without an expiry is rejected as cursor-expired', () => {
    const immortal = encodeCursor([5], options);
    expect(ruleOf(() => decodeCursor(immortal, { ...options, ttl: '1h', now: () => 0 }))).toBe('cursor-expired');
  });

  it('rejects a bad ttl', () => {
    expect(() => encodeCursor([1], { ...options, ttl: 0 })).toThrow(
      new TypeError('encodeCursor: "ttl" must be a positive duration, got 0'),
    );
  });
});

describe('key rotation', () => {
  const oldKey = 'the-old-secret-key-0123456789abc';
  const newKey = Buffer.from('the-new-secret-key-0123456789abc');

  it('signs with the first key and verifies with any key in the list', () => {
    const old = encodeCursor([1], { secret: oldKey, bind });
    const rotated = { secret: [newKey, oldKey], bind };
    expect(decodeCursor(old, rotated)).toEqual([1]);
    const fresh = encodeCursor([2], rotated);
    expect(decodeCursor(fresh, { secret: newKey, bind })).toEqual([2]);
    expect(ruleOf(() => decodeCursor(fresh, { secret: oldKey, bind }))).toBe('cursor-signature');
  });

  it('rejects cursors of a key that was retired', () => {
    const old = encodeCursor([1], { secret: oldKey, bind });
    expect(ruleOf(() => decodeCursor(old, { secret: [newKey], bind }))).toBe('cursor-signature');
  });

  it.each([
    [[], 'encodeCursor: "secret" must not be an empty list'],
    ['short', 'encodeCursor: "secret" keys must be at least 16 bytes long, got 5'],
    [42, 'encodeCursor: "secret" must be a string, a Uint8Array or a list of them, got number'],
  ])('rejects the secret %j', (bad, message) => {
    expect(() => encodeCursor([1], { secret: bad as string })).toThrow(new TypeError(message));
  });
});

describe('binding to filters and sort', () => {
  it('rejects a cursor replayed with other filters or another sort', () => {
    const token = encodeCursor([1], options);
    expect(ruleOf(() => decodeCursor(token, { secret, bind: { ...bind, filters: [['status', 'closed']] } }))).toBe(
      'cursor-binding',
    );
    expect(ruleOf(() => decodeCursor(token, { secret, bind: { ...bind, sort: ['created_at', 'id'] } }))).toBe(
      'cursor-binding',
    );
    expect(ruleOf(() => decodeCursor(token, { secret }))).toBe('cursor-binding');
  });

  it('binds by canonical value: object key order does not matter', () => {
    const token = encodeCursor([1], { secret, bind: { a: 1, b: [2, { d: 4, c: 3 }] } });
    expect(decodeCursor(token, { secret, bind: { b: [2, { c: 3, d: 4 }], a: 1 } })).toEqual([1]);
    expect(canonicalJson({ b: [2, { d: 4, c: 3, e: undefined }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":3,"d":4}]}');
  });
});
