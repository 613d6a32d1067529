import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type CacheEntry, decodeEntry, encodeEntry } from './entry.js';
import { ownBytes } from './own-bytes.js';
import { type ResponseCache, responseCache } from './response-cache.js';
import { memoryStore } from './stores/memory.js';
import { sampleEntry } from './testing/store-contract.js';
import { variantOf } from './variants.js';

/** Whether `bytes` holds memory of its own rather than a view into a larger (pool) ArrayBuffer. */
const owns = (bytes: Buffer): boolean => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;

describe('ownBytes', () => {
  it('copies a small pooled Buffer into memory of its own, with the same bytes', () => {
    const pooled = Buffer.from('{"id":1}');
    expect(owns(pooled)).toBe(false); // Node's 8 KiB pool: the premise of the fix
    const owned = ownBytes(pooled);
    expect(owns(owned)).toBe(true);
    expect(owned.equals(pooled)).toBe(true);
    expect(owned).not.toBe(pooled);
  });

  it('returns a Buffer that already owns its memory as is (no copy), also when empty', () => {
    const big = Buffer.alloc(10_000, 1);
    expect(ownBytes(big)).toBe(big);
    const empty = Buffer.allocUnsafeSlow(0);
    expect(ownBytes(empty)).toBe(empty);
    const view = big.subarray(10, 20);
    expect(owns(ownBytes(view))).toBe(true);
    expect(ownBytes(view).equals(view)).toBe(true);
  });

  it('an entry read back from its Redis encoding owns its body', () => {
    const encoded = encodeEntry(sampleEntry({ body: Buffer.from('small body') }));
    const decoded = decodeEntry(encoded)?.entry;
    expect(decoded?.body.toString()).toBe('small body');
    expect(decoded && owns(decoded.body)).toBe(true);
  });

  it('compressed variants own their bytes', async () => {
    const entry = sampleEntry({ body: Buffer.from('y'.repeat(3_000)) });
    for (const encoding of ['br', 'gzip'] as const) {
      const variant = await variantOf(entry, encoding);
      expect(variant.encoding).toBe(encoding);
      expect(variant.body.length).toBeLessThan(200);
      expect(owns(variant.body)).toBe(true);
    }
  });
});

describe.each(expressMajors)('stored bodies own their memory on $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('a small captured body and its compressed variants are stored outside Node’s shared pool', async () => {
    const inner = memoryStore();
    const stored: CacheEntry[] = [];
    cache = responseCache({
      memory: {
        ...inner,
        set(key, entry, retention) {
          stored.push(entry);
          return inner.set(key, entry, retention);
        },
      },
    });
    const app = express();
    app.use(cache);
    app.get('/small', (_req, res) => {
      res.json({ id: 1, name: 'x'.repeat(2_000) });
    });
    const miss = await request(app).get('/small').set('accept-encoding', 'identity');
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(stored).toHaveLength(1);
    const [entry] = stored;
    if (!entry) throw new Error('nothing stored');
    expect(entry.body.length).toBe(Buffer.byteLength(JSON.stringify({ id: 1, name: 'x'.repeat(2_000) })));
    expect(owns(entry.body)).toBe(true);
    const gzip = await request(app).get('/small').set('accept-encoding', 'gzip');
    expect([gzip.headers['x-cache'], gzip.headers['content-encoding']]).toEqual(['HIT', 'gzip']);
    expect(gzip.body).toEqual({ id: 1, name: 'x'.repeat(2_000) });
  });
});
