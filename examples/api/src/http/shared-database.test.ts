import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../catalog/types.js';
import { openCatalogDatabaseFile } from '../db/catalog-db.js';
import type { DatabaseHandle } from '../db/handle.js';
import { type RunningApi, startApi } from '../testing/harness.js';

/**
 * Sends `make()` again while the app sheds load (503 from underPressure when the loaded test machine
 * lags its event loop past 1 s), as a client would; at most 20 times.
 */
async function unshed(make: () => request.Test): Promise<request.Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await make();
    if (res.status !== 503 || attempt === 20) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Two instances, each with its own handle on one DATABASE_FILE (as two processes have), memory
// stores: what one writes, the other reads; concurrent conditional writes never both win.
describe('two instances on one DATABASE_FILE', () => {
  let dir: string;
  let handles: DatabaseHandle[] = [];
  let a: RunningApi;
  let b: RunningApi;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-api-shared-'));
    const file = path.join(dir, 'catalog.sqlite');
    const [first, second] = await Promise.all([
      openCatalogDatabaseFile(file, { products: 400 }),
      openCatalogDatabaseFile(file, { products: 400 }),
    ]);
    handles = [first, second];
    [a, b] = await Promise.all([startApi({ db: first }), startApi({ db: second })]);
  });
  afterEach(() => {
    expect(a.logged).toEqual([]);
    expect(b.logged).toEqual([]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const handle of handles) handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a product created through A is read through B, with the id the file allocated', async () => {
    const created = await unshed(() =>
      request(a.url).post('/products').send({ name: 'Shared Lamp', category: 'lighting', price: 2599 }),
    );
    expect(created.status).toBe(201);
    expect((created.body as Product).id).toBe(401);
    const fromB = await unshed(() => request(b.url).get('/products/401'));
    expect(fromB.status).toBe(200);
    expect(fromB.body).toEqual(created.body);
    expect(fromB.headers.etag).toBe(created.headers.etag);
    // B allocates the next id from the same file: no id is given twice.
    const next = await unshed(() =>
      request(b.url).post('/products').send({ name: 'Second Lamp', category: 'lighting', price: 1 }),
    );
    expect((next.body as Product).id).toBe(402);
  });

  it('a PATCH through B is what A reads next (A had not cached the product)', async () => {
    const original = await unshed(() => request(b.url).get('/products/7'));
    const patched = await unshed(() =>
      request(b.url).patch('/products/7').set('If-Match', String(original.headers.etag)).send({ stock: 4321 }),
    );
    expect(patched.status).toBe(200);
    const fromA = await unshed(() => request(a.url).get('/products/7'));
    expect((fromA.body as Product).stock).toBe(4321);
    expect(fromA.headers.etag).toBe(patched.headers.etag);
  });

  it('two concurrent PATCHes with the same If-Match through A and B: one 200, one 412, no lost update', async () => {
    const original = await unshed(() => request(a.url).get('/products/9'));
    const etag = String(original.headers.etag);
    const [fromA, fromB] = await Promise.all([
      unshed(() => request(a.url).patch('/products/9').set('If-Match', etag).send({ stock: 1 })),
      unshed(() => request(b.url).patch('/products/9').set('If-Match', etag).send({ stock: 2 })),
    ]);
    expect([fromA.status, fromB.status].sort()).toEqual([200, 412]);
    const winner = fromA.status === 200 ? fromA : fromB;
    for (const instance of [a, b]) {
      const now = await unshed(() => request(instance.url).get('/products/9?fields=stock'));
      expect(now.body).toEqual({ stock: (winner.body as Product).stock });
    }
  });
});
