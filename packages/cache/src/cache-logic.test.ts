import { describe, expect, it } from 'vitest';
import { type Invalidation, parseMessage } from './bus.js';
import { formatCacheControl, parseCacheControl, sharedLifetime } from './cache-control.js';
import { decodeEntry, encodeEntry } from './entry.js';
import { ageSeconds, entryState, retention, ttlSeconds, usableOnError } from './freshness.js';
import { InvalidationLog } from './invalidation-log.js';
import { baseKey, canonicalQuery, parseVary, variantKey } from './key.js';
import { Singleflight } from './singleflight.js';
import { defaultStatuses, requestBypass, responseNotStorable } from './storable.js';
import { sampleEntry } from './testing/store-contract.js';
import { isCompressible, negotiateEncoding, variantEtag, variantOf } from './variants.js';

describe('canonicalQuery / baseKey', () => {
  it.each([
    ['', {}, ''],
    ['b=2&a=1', {}, 'a=1&b=2'],
    ['?a=%31&b=2', {}, 'a=1&b=2'],
    ['tag=z&tag=a&id=1', {}, 'id=1&tag=z&tag=a'],
    ['q=a+b&x=%2F', {}, 'q=a%20b&x=%2F'],
    ['a=1&utm_source=x&b=2', { deny: new Set(['utm_source']) }, 'a=1&b=2'],
    ['a=1&page=2&sort=x', { allow: new Set(['page']) }, 'page=2'],
    ['a=1', { allow: new Set(['page']), deny: new Set(['page']) }, ''],
  ] as const)('%j with %j → %j', (search, policy, expected) => {
    expect(canonicalQuery(search, policy)).toBe(expected);
  });

  it.each([
    ['GET', '/products?b=2&a=1', 'GET /products?a=1&b=2'],
    ['HEAD', '/products', 'GET /products'],
    ['get', '/p?', 'GET /p'],
    ['GET', '/p#frag', 'GET /p'],
  ])('%s %s → %s', (method, url, key) => {
    expect(baseKey(method, url)).toBe(key);
  });
});

describe('Vary', () => {
  it('parses field names lower-cased, de-duplicated', () => {
    expect(parseVary('Accept-Language, accept-language,Origin')).toEqual(['accept-language', 'origin']);
    expect(parseVary(['A', 'B'])).toEqual(['a', 'b']);
    expect(parseVary(undefined)).toEqual([]);
  });

  it('selects variants by normalised request values in sorted name order', () => {
    const headers = { 'accept-language': 'de,  en', origin: undefined };
    expect(variantKey('GET /x', ['origin', 'accept-language'], headers)).toBe(
      'GET /x#accept-language="de,en";origin=""',
    );
    expect(variantKey('GET /x', [], headers)).toBe('GET /x');
  });
});

describe('Cache-Control and lifetime', () => {
  it('parses directives, quoted arguments and duplicates (first wins)', () => {
    const parsed = parseCacheControl('public, Max-Age=60, no-cache="set-cookie, x", max-age=5, s-maxage=120');
    expect([...parsed]).toEqual([
      ['public', true],
      ['max-age', '60'],
      ['no-cache', 'set-cookie, x'],
      ['s-maxage', '120'],
    ]);
  });

  const defaults = { ttl: 60_000, swr: 0, sie: 0 };
  it.each([
    ['', defaults],
    ['public', defaults],
    ['max-age=30', { ttl: 30_000, swr: 0, sie: 0 }],
    ['max-age=30, s-maxage=300', { ttl: 300_000, swr: 0, sie: 0 }],
    ['max-age=10, stale-while-revalidate=20, stale-if-error=3600', { ttl: 10_000, swr: 20_000, sie: 3_600_000 }],
    ['max-age=abc', defaults],
    ['max-age=10, must-revalidate, stale-if-error=60', { ttl: 10_000, swr: 0, sie: 0 }],
    ['s-maxage=10, proxy-revalidate', { ttl: 10_000, swr: 0, sie: 0 }],
  ])('shared lifetime of %j', (header, expected) => {
    expect(sharedLifetime(parseCacheControl(header), defaults)).toEqual(expected);
  });

  it('uses what Expires leaves only without max-age / s-maxage', () => {
    expect(sharedLifetime(parseCacheControl('public'), defaults, 30_000).ttl).toBe(30_000);
    expect(sharedLifetime(parseCacheControl('max-age=5'), defaults, 30_000).ttl).toBe(5_000);
    expect(sharedLifetime(parseCacheControl(''), { ttl: 60_000, swr: 1_000, sie: 0 }, 0)).toEqual({
      ttl: 0,
      swr: 1_000,
      sie: 0,
    });
  });

  it('formats the generated header', () => {
    expect(formatCacheControl(0, { ttl: 60_000, swr: 0, sie: 0 })).toBe('public, max-age=0, s-maxage=60');
    expect(formatCacheControl(60_000, { ttl: 60_000, swr: 30_000, sie: 600_000 })).toBe(
      'public, max-age=60, stale-while-revalidate=30, stale-if-error=600',
    );
  });
});

describe('freshness state machine (injected time)', () => {
  const entry = { storedAt: 1_000_000, ttl: 10_000, swr: 5_000, sie: 60_000 };
  it.each([
    [0, 'fresh', true],
    [9_999, 'fresh', true],
    [10_000, 'stale', true],
    [14_999, 'stale', true],
    [15_000, 'stale-if-error', true],
    [69_999, 'stale-if-error', true],
    [70_000, 'expired', false],
  ] as const)('at +%i ms it is %s (usable on error: %s)', (offset, state, onError) => {
    expect(entryState(entry, entry.storedAt + offset)).toBe(state);
    expect(usableOnError(entry, entry.storedAt + offset)).toBe(onError);
  });

  it('computes Age, the Cache-Status ttl and the retention', () => {
    expect(ageSeconds(entry, entry.storedAt + 2_500)).toBe(2);
    expect(ttlSeconds(entry, entry.storedAt + 2_500)).toBe(7);
    expect(ttlSeconds(entry, entry.storedAt + 12_500)).toBe(-3);
    expect(retention(entry)).toBe(70_000);
    expect(entryState({ ...entry, swr: 0, sie: 0 }, entry.storedAt + 10_000)).toBe('expired');
  });
});

describe('storability rules', () => {
  it.each([
    [{ method: 'POST', authorization: false, range: false }, false, 'method'],
    [{ method: 'GET', authorization: true, range: false }, false, 'authorization'],
    [{ method: 'GET', authorization: true, range: false }, true, undefined],
    [{ method: 'HEAD', authorization: false, range: true }, false, 'range'],
    [{ method: 'head', authorization: false, range: false }, false, undefined],
  ] as const)('request %j (share authorized: %s) → %s', (facts, share, reason) => {
    expect(requestBypass(facts, share)).toBe(reason);
  });

  const ok = {
    status: 200,
    directives: parseCacheControl('public'),
    setCookie: false,
    vary: [] as string[],
    contentType: 'application/json',
    bodyBytes: 10,
    ttl: 1000,
  };
  const policy = { statuses: defaultStatuses, maxBodyBytes: 100 };
  it.each([
    [{}, undefined],
    [{ status: 206 }, 'status'],
    [{ status: 301 }, 'status'],
    [{ status: 204 }, undefined],
    [{ setCookie: true }, 'set-cookie'],
    [{ directives: parseCacheControl('no-store') }, 'no-store'],
    [{ directives: parseCacheControl('private, max-age=60') }, 'private'],
    [{ directives: parseCacheControl('no-cache') }, 'no-cache'],
    [{ vary: ['*'] }, 'vary-star'],
    [{ contentType: 'text/event-stream; charset=utf-8' }, 'event-stream'],
    [{ bodyBytes: 101 }, 'too-large'],
    [{ ttl: 0 }, 'no-lifetime'],
  ] as const)('response %j → %s', (overrides, reason) => {
    expect(responseNotStorable({ ...ok, ...overrides }, policy)).toBe(reason);
  });
});

describe('entry encoding', () => {
  it('round-trips, with store extras, as head + raw body', () => {
    const entry = sampleEntry({ tags: ['a'], vary: ['origin'] });
    const encoded = encodeEntry(entry, { tv: ['3'] });
    expect(encoded.readUInt8(0)).toBe(0xe1);
    expect(Buffer.compare(encoded.subarray(encoded.length - 256), entry.body)).toBe(0);
    expect(decodeEntry(encoded)).toEqual({ entry, extra: { tv: ['3'] } });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['foreign', Buffer.from('{"status":200}')],
    ['truncated', encodeEntry(sampleEntry()).subarray(0, 20)],
  ])('rejects %s data', (_name, data) => {
    expect(decodeEntry(data)).toBeUndefined();
  });
});

describe('content negotiation for variants', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.1, gzip;q=0.5', 'gzip'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
    ['br;q=0.5, identity', 'identity'],
    ['gzip;q=0.8, identity;q=0.5', 'gzip'],
    ['br, identity;q=0', 'br'],
  ] as const)('Accept-Encoding %j → %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });

  it('offers only the configured encodings', () => {
    expect(negotiateEncoding('br, gzip', ['gzip'])).toBe('gzip');
  });

  it('compresses a variant once per entry: later hits get the same bytes object', async () => {
    const entry = sampleEntry({ body: Buffer.from('x'.repeat(4_000)) });
    const first = await variantOf(entry, 'br');
    expect(first.body.length).toBeLessThan(4_000);
    expect((await variantOf(entry, 'br')).body).toBe(first.body);
    expect((await variantOf(sampleEntry({ body: entry.body }), 'br')).body).not.toBe(first.body);
  });

  it('derives a distinct strong ETag per encoding', () => {
    expect(variantEtag('"9-abc"', 'br')).toBe('"9-abc-br"');
    expect(variantEtag('"9-abc"', 'gzip')).toBe('"9-abc-gzip"');
  });

  it.each([
    ['application/json; charset=utf-8', true],
    ['text/html', true],
    ['application/problem+json', true],
    ['image/svg+xml', true],
    ['image/png', false],
    [undefined, false],
  ] as const)('%s compressible: %s', (type, expected) => {
    expect(isCompressible(type)).toBe(expected);
  });
});

describe('bus messages', () => {
  it.each([
    ['{"origin":"other","tags":["a"],"prefix":"GET /p"}', { tags: ['a'], prefix: 'GET /p' }],
    ['{"origin":"other","keys":["k"],"all":true}', { keys: ['k'], all: true }],
    ['{"origin":"self","tags":["a"]}', undefined],
    ['{"tags":["a"]}', undefined],
    ['not json', undefined],
    ['{"origin":"other","tags":[1]}', {}],
  ] as const)('%s → %j', (raw, expected) => {
    expect(parseMessage(raw, 'self')).toEqual(expected as Invalidation | undefined);
  });
});

describe('Singleflight', () => {
  it('runs one call per key at a time and forgets it when settled', async () => {
    const flights = new Singleflight<number>();
    let calls = 0;
    let release: (value: number) => void = () => {};
    const fn = () => {
      calls++;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    };
    const first = flights.run('k', fn);
    const second = flights.run('k', fn);
    const other = flights.run('other', () => Promise.resolve(7));
    expect([first.leader, second.leader, other.leader]).toEqual([true, false, true]);
    expect(second.promise).toBe(first.promise);
    release(42);
    expect(await second.promise).toBe(42);
    expect(await other.promise).toBe(7);
    expect(calls).toBe(1);
    expect(flights.size).toBe(0);
    const failing = flights.run('k', () => Promise.reject(new Error('boom')));
    await expect(failing.promise).rejects.toThrow('boom');
    expect(flights.has('k')).toBe(false);
  });
});

describe('InvalidationLog', () => {
  it('says whether a tag or key was invalidated after a generation', () => {
    const log = new InvalidationLog();
    const before = log.generation;
    log.record({ tags: ['product:1'] });
    const middle = log.generation;
    log.record({ keys: ['GET /a'] });
    expect(log.changedSince(before, ['GET /b'], ['product:1'])).toBe(true);
    expect(log.changedSince(middle, ['GET /b'], ['product:1'])).toBe(false);
    expect(log.changedSince(middle, ['GET /a'], [])).toBe(true);
    expect(log.changedSince(log.generation, ['GET /a'], ['product:1'])).toBe(false);
    log.record({ prefix: 'GET /x' });
    expect(log.changedSince(middle, ['GET /zzz'], ['other'])).toBe(true);
  });

  it('stays bounded and treats what it forgot as invalidated', () => {
    const log = new InvalidationLog(2);
    const start = log.generation;
    log.record({ tags: ['a'] });
    const afterA = log.generation;
    log.record({ tags: ['b'] });
    log.record({ tags: ['c'] });
    expect(log.changedSince(start, [], ['a'])).toBe(true);
    expect(log.changedSince(afterA, [], ['unrelated'])).toBe(false);
    expect(log.changedSince(start, [], ['unrelated'])).toBe(true);
  });
});
