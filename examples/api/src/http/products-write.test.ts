import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../catalog/types.js';
import { type RunningApi, startApi, testClock } from '../testing/harness.js';
import { productEtag } from './products.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const INVALID = 'tag:expresskit.dev,2026:invalid-parameter';
const lamp = { name: 'Test Lamp', category: 'lighting', price: 2599, stock: 3, description: 'Warm light' };

describe('POST, PATCH and DELETE /products (memory defaults)', () => {
  let running: RunningApi;
  const clock = testClock();
  beforeAll(async () => {
    running = await startApi({ now: clock });
  });
  afterAll(async () => {
    expect(running.logged).toEqual([]);
    await running.close();
  });

  const get = (path: string) => request(running.url).get(path);
  const count = async (slug: string): Promise<number> => {
    const { data } = (await get('/categories')).body as { data: { slug: string; product_count: number }[] };
    return data.find((c) => c.slug === slug)?.product_count ?? -1;
  };

  it('creates a product: 201, Location, ETag; item, lists and category counts are fresh at once', async () => {
    const before = await count('lighting');
    await get('/products?limit=1'); // cache the newest-first page, to see it invalidated
    const created = await request(running.url).post('/products').send(lamp);
    expect(created.status).toBe(201);
    const product = created.body as Product;
    expect(product).toEqual({
      id: 401,
      ...lamp,
      created_at: '2026-11-24T12:00:00.000Z',
      updated_at: '2026-11-24T12:00:00.000Z',
    });
    expect(created.headers.location).toBe('/products/401');
    expect(created.headers.etag).toBe(productEtag(product));
    const read = await get('/products/401');
    expect(read.body).toEqual(product);
    expect(read.headers.etag).toBe(created.headers.etag);
    const newest = await get('/products?limit=1');
    expect(newest.headers['x-cache']).toBe('MISS');
    expect((newest.body as { data: Product[] }).data[0]?.id).toBe(401);
    expect(await count('lighting')).toBe(before + 1);
  });

  it.each([
    [{ ...lamp, name: undefined }, 'name', 'required'],
    [{ ...lamp, name: '   ' }, 'name', 'min-length'],
    [{ ...lamp, name: 'x'.repeat(201) }, 'name', 'max-length'],
    [{ ...lamp, price: -1 }, 'price', 'minimum'],
    [{ ...lamp, price: 12.5 }, 'price', 'integer'],
    [{ ...lamp, price: '2599' }, 'price', 'integer'],
    [{ ...lamp, category: 'spaceships' }, 'category', 'exists'],
    [{ ...lamp, colour: 'red' }, 'colour', 'unknown-field'],
    [{ ...lamp, id: 7 }, 'id', 'read-only'],
    [[lamp], '', 'type'],
  ])('POST %j → 400 naming the member', async (body, parameter, rule) => {
    const res = await request(running.url).post('/products').send(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).toMatchObject({ type: INVALID, title: 'Invalid request body', status: 400, parameter, rule });
    expect(res.body.pointer).toBe(parameter === '' ? '' : `/${parameter}`);
  });

  it('answers malformed JSON with 400, a form body with 415, a huge body with 413', async () => {
    const malformed = await request(running.url)
      .post('/products')
      .set('Content-Type', 'application/json')
      .send('{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      type: 'about:blank',
      title: 'Invalid JSON',
      status: 400,
      detail: 'The request body is not valid JSON',
    });
    const form = await request(running.url).post('/products').type('form').send({ name: 'x' });
    expect(form.status).toBe(415);
    expect(form.headers['accept-post']).toBe('application/json, application/merge-patch+json');
    expect(form.headers['content-type']).toBe(PROBLEM);
    const huge = await request(running.url)
      .post('/products')
      .send({ ...lamp, description: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(huge.headers['content-type']).toBe(PROBLEM);
  });

  it('PATCH without If-Match → 428; with a stale one → 412; nothing changes', async () => {
    const missing = await request(running.url).patch('/products/5').send({ price: 1 });
    expect(missing.status).toBe(428);
    expect(missing.headers['content-type']).toBe(PROBLEM);
    expect(missing.body).toMatchObject({
      type: 'tag:expresskit.dev,2026:precondition-required',
      status: 428,
      header: 'If-Match',
    });
    const stale = await request(running.url).patch('/products/5').set('If-Match', '"1-stale"').send({ price: 1 });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({
      type: 'tag:expresskit.dev,2026:precondition-failed',
      status: 412,
      header: 'If-Match',
    });
    expect(((await get('/products/5')).body as Product).price).not.toBe(1);
  });

  it('PATCH with the current ETag updates; the cached GET answers the new body and ETag at once', async () => {
    const before = await get('/products/6');
    expect((await get('/products/6')).headers['x-cache']).toBe('HIT');
    clock.advance(60_000);
    const patched = await request(running.url)
      .patch('/products/6')
      .set('If-Match', String(before.headers.etag))
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ price: 123, name: 'Renamed' }));
    expect(patched.status).toBe(200);
    const product = patched.body as Product;
    expect(product).toEqual({
      ...(before.body as Product),
      price: 123,
      name: 'Renamed',
      updated_at: '2026-11-24T12:01:00.000Z',
    });
    expect(patched.headers.etag).toBe(productEtag(product));
    const after = await get('/products/6');
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.body).toEqual(product);
    expect(after.headers.etag).toBe(patched.headers.etag);
    // The old ETag is now stale: a second writer who read before the PATCH is refused.
    const lost = await request(running.url)
      .patch('/products/6')
      .set('If-Match', String(before.headers.etag))
      .send({ stock: 0 });
    expect(lost.status).toBe(412);
  });

  it('a stock change refreshes only the pages showing the product; a price change refreshes every page', async () => {
    const showing = '/products?sort=price&limit=5';
    const elsewhere = '/products?sort=-price&limit=5';
    const target = ((await get(showing)).body as { data: Product[] }).data[0];
    if (!target) throw new Error('empty page');
    expect((await get(elsewhere)).headers['x-cache']).toBe('MISS');
    const { headers } = await get(`/products/${target.id}`);
    const stocked = await request(running.url)
      .patch(`/products/${target.id}`)
      .set('If-Match', String(headers.etag))
      .send({ stock: 77 });
    expect(stocked.status).toBe(200);
    const refreshed = await get(showing);
    expect(refreshed.headers['x-cache']).toBe('MISS');
    expect((refreshed.body as { data: Product[] }).data[0]).toEqual(stocked.body);
    expect((await get(elsewhere)).headers['x-cache']).toBe('HIT');
    const repriced = await request(running.url)
      .patch(`/products/${target.id}`)
      .set('If-Match', String(stocked.headers.etag))
      .send({ price: 99_999_999 });
    expect(repriced.status).toBe(200);
    const reordered = await get(elsewhere);
    expect(reordered.headers['x-cache']).toBe('MISS');
    expect((reordered.body as { data: Product[] }).data[0]?.id).toBe(target.id);
  });

  it('PATCH validates the body after the precondition (400 naming the member), and 404s a missing product', async () => {
    const { headers } = await get('/products/8');
    const bad = await request(running.url)
      .patch('/products/8')
      .set('If-Match', String(headers.etag))
      .send({ stock: -3 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ parameter: 'stock', rule: 'minimum', pointer: '/stock' });
    const empty = await request(running.url).patch('/products/8').set('If-Match', String(headers.etag)).send({});
    expect(empty.body).toMatchObject({ status: 400, rule: 'min-members' });
    const gone = await request(running.url).patch('/products/999999').set('If-Match', '"x"').send({ stock: 1 });
    expect(gone.status).toBe(404);
  });

  it('DELETE: 428 without If-Match, 412 when stale, 204 when current; then 404 and gone from lists', async () => {
    expect((await request(running.url).delete('/products/9')).status).toBe(428);
    expect((await request(running.url).delete('/products/9').set('If-Match', '"0-old"')).status).toBe(412);
    const current = await get('/products/9');
    const slug = (current.body as Product).category;
    const before = await count(slug);
    const deleted = await request(running.url).delete('/products/9').set('If-Match', String(current.headers.etag));
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await get('/products/9')).status).toBe(404);
    const page = (await get(`/products?category=${slug}&limit=100`)).body as { data: Product[] };
    expect(page.data.some((p) => p.id === 9)).toBe(false);
    expect(await count(slug)).toBe(before - 1);
  });
});
