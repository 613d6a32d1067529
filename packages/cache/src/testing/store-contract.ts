/**
 * The contract every `CacheStore` passes (memory, Redis, Redis Cluster):
 *
 * ```ts
 * describeCacheStore('memory', async () => ({ store: memoryStore(), cleanup: async () => {} }));
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../entry.js';
import type { CacheStore } from '../store.js';

export interface StoreFixture {
  readonly store: CacheStore;
  cleanup(): Promise<void>;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

export function sampleEntry(overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', etag: '"100-x"', link: ['<a>; rel=next', '<b>; rel=prev'] },
    body: ALL_BYTES,
    etag: '"100-x"',
    storedAt: 1_700_000_000_000,
    ttl: 60_000,
    swr: 5_000,
    sie: 0,
    tags: [],
    ...overrides,
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function describeCacheStore(name: string, factory: () => Promise<StoreFixture>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: CacheStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('returns undefined for a missing key', async () => {
      expect(await store.get('GET /nothing')).toBeUndefined();
    });

    it('round-trips an entry with a binary body and multi-value headers exactly', async () => {
      const entry = sampleEntry({ tags: ['a', 'b'], vary: ['accept-language'] });
      await store.set('GET /bin', entry, 60_000);
      expect(await store.get('GET /bin')).toEqual(entry);
    });

    it('round-trips a 1 MiB body and an empty one', async () => {
      const big = Buffer.alloc(1024 * 1024, 7);
      await store.set('GET /big', sampleEntry({ body: big }), 60_000);
      const got = await store.get('GET /big');
      expect(got?.body.length).toBe(1024 * 1024);
      expect(Buffer.compare(got?.body ?? Buffer.alloc(0), big)).toBe(0);
      await store.set('GET /empty', sampleEntry({ body: Buffer.alloc(0), status: 204 }), 60_000);
      expect((await store.get('GET /empty'))?.body.length).toBe(0);
    });

    it('replaces the entry at a key', async () => {
      await store.set('GET /r', sampleEntry({ etag: '"1"' }), 60_000);
      await store.set('GET /r', sampleEntry({ etag: '"2"' }), 60_000);
      expect((await store.get('GET /r'))?.etag).toBe('"2"');
    });

    it('forgets an entry after its retention', async () => {
      await store.set('GET /short', sampleEntry(), 150);
      expect((await store.get('GET /short'))?.etag).toBe('"100-x"');
      expect(await eventually(async () => (await store.get('GET /short')) === undefined, 5_000)).toBe(true);
    });

    it('keeps keys with spaces, unicode, braces and glob characters apart', async () => {
      const keys = ['GET /a?q=1 2', 'GET /ü?x={y}', 'GET /a*', 'GET /a?', 'GET /[a]'];
      for (const [i, key] of keys.entries()) await store.set(key, sampleEntry({ etag: `"${i}"` }), 60_000);
      for (const [i, key] of keys.entries()) expect((await store.get(key))?.etag).toBe(`"${i}"`);
    });

    it('setMany (when the store has it) writes every entry with its tags and retention', async () => {
      const writes = [
        { key: 'GET /v', entry: sampleEntry({ etag: '"p"', body: Buffer.alloc(0), tags: ['v'], vary: ['x'] }) },
        { key: 'GET /v#x="1"', entry: sampleEntry({ etag: '"1"', tags: ['v', 'w'] }) },
        { key: 'GET /gone', entry: sampleEntry({ etag: '"g"' }), retentionMs: 0 },
      ].map((write) => ({ retentionMs: 60_000, ...write }));
      await store.set('GET /gone', sampleEntry(), 60_000);
      if (store.setMany) await store.setMany(writes);
      else for (const { key, entry, retentionMs } of writes) await store.set(key, entry, retentionMs);
      expect(await store.get('GET /v')).toEqual(writes[0]?.entry);
      expect(await store.get('GET /v#x="1"')).toEqual(writes[1]?.entry);
      expect(await store.get('GET /gone')).toBeUndefined();
      await store.invalidateTags(['w']);
      expect((await store.get('GET /v'))?.etag).toBe('"p"');
      expect(await store.get('GET /v#x="1"')).toBeUndefined();
    });

    it('deletes the given keys only', async () => {
      await store.set('GET /1', sampleEntry(), 60_000);
      await store.set('GET /2', sampleEntry(), 60_000);
      await store.set('GET /3', sampleEntry(), 60_000);
      await store.delete(['GET /1', 'GET /3', 'GET /missing']);
      expect(await store.get('GET /1')).toBeUndefined();
      expect(await store.get('GET /2')).toBeDefined();
      expect(await store.get('GET /3')).toBeUndefined();
    });

    it('invalidates every entry under a tag, and entries stored afterwards are valid again', async () => {
      await store.set('GET /p/1', sampleEntry({ tags: ['product:1', 'products'] }), 60_000);
      await store.set('GET /p/2', sampleEntry({ tags: ['product:2', 'products'] }), 60_000);
      await store.set('GET /other', sampleEntry({ tags: ['other'] }), 60_000);
      await store.invalidateTags(['product:1']);
      expect(await store.get('GET /p/1')).toBeUndefined();
      expect(await store.get('GET /p/2')).toBeDefined();
      await store.invalidateTags(['products', 'unknown']);
      expect(await store.get('GET /p/2')).toBeUndefined();
      expect(await store.get('GET /other')).toBeDefined();
      await store.set('GET /p/1', sampleEntry({ tags: ['product:1', 'products'] }), 60_000);
      expect(await store.get('GET /p/1')).toBeDefined();
    });

    it('deletes by key prefix, taking glob characters literally', async () => {
      for (const key of ['GET /products/1', 'GET /products/2?a=1', 'GET /productsx', 'GET /users/1', 'GET /p*/1']) {
        await store.set(key, sampleEntry(), 60_000);
      }
      await store.deletePrefix('GET /products/');
      expect(await store.get('GET /products/1')).toBeUndefined();
      expect(await store.get('GET /products/2?a=1')).toBeUndefined();
      expect(await store.get('GET /productsx')).toBeDefined();
      expect(await store.get('GET /users/1')).toBeDefined();
      await store.deletePrefix('GET /p*');
      expect(await store.get('GET /p*/1')).toBeUndefined();
      expect(await store.get('GET /productsx')).toBeDefined();
    });

    it('clears everything', async () => {
      await store.set('GET /c1', sampleEntry({ tags: ['t'] }), 60_000);
      await store.set('GET /c2', sampleEntry(), 60_000);
      await store.clear();
      expect(await store.get('GET /c1')).toBeUndefined();
      expect(await store.get('GET /c2')).toBeUndefined();
    });

    it('reports itself available while its backend is up', () => {
      expect(store.available?.() ?? true).toBe(true);
    });
  });
}
