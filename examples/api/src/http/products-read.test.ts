import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../catalog/types.js';
import { type RunningApi, startApi } from '../testing/harness.js';
import { productEtag } from './products.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const INVALID = 'tag:expresskit.dev,2026:invalid-parameter';

interface Page {
  data: Product[];
  pagination: { limit: number; has_more: boolean; next_cursor: string | null; prev_cursor: string | null };
  links: { self: string; first: string; prev: string | null; next: string | null; last: string | null };
}

describe('GET /products and /products/:id (memory defaults)', () => {
  let running: RunningApi;
  /** The seeded rows, straight from SQL, to compare the API against. */
  let rows: Product[];
  beforeAll(async () => {
    running = await startApi();
    // Every seeded row, read through the catalog's SQL, to compare the HTTP answers against.
    rows = running.api.catalog.listProducts({}, { where: undefined, orderBy: '"id"', fetch: 10_000 });
  });
  afterAll(async () => {
    expect(running.logged).toEqual([]);
    await running.close();
  });

  it('sends the first page, newest first, with pagination, links and a Link header', async () => {
    const res = await request(running.url).get('/products');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const page = res.body as Page;
    const newest = [...rows]
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id)
      .slice(0, 20)
      .map((p) => p.id);
    expect(page.data.map((p) => p.id)).toEqual(newest);
    expect(page.pagination).toEqual({
      limit: 20,
      has_more: true,
      next_cursor: expect.any(String),
      prev_cursor: null,
    });
    const next = `${running.url}/products?cursor=${page.pagination.next_cursor}&limit=20`;
    expect(page.links).toEqual({
      self: `${running.url}/products?limit=20`,
      first: `${running.url}/products?limit=20`,
      prev: null,
      next,
      last: null,
    });
    expect(res.headers.link).toBe(`<${running.url}/products?limit=20>; rel="first", <${next}>; rel="next"`);
  });

  it('walks every page of a filtered, price-sorted listing without skipping or repeating a row', async () => {
    const expected = rows
      .filter((p) => p.category === 'kitchen' && p.price >= 999 && p.price <= 9999)
      .sort((a, b) => a.price - b.price || a.id - b.id)
      .map((p) => p.id);
    expect(expected.length).toBeGreaterThan(10);
    const seen: number[] = [];
    let url: string | null = `/products?category=kitchen&min_price=999&max_price=9999&sort=price&limit=7`;
    while (url) {
      const res = await request(running.url).get(url.replace(running.url, ''));
      expect(res.status).toBe(200);
      const page = res.body as Page;
      expect(page.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.data.map((p) => p.id));
      url = page.links.next;
    }
    expect(seen).toEqual(expected);
  });

  it.each([
    ['-price', (a: Product, b: Product) => b.price - a.price || b.id - a.id],
    ['name', (a: Product, b: Product) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id)],
    ['created_at', (a: Product, b: Product) => a.created_at.localeCompare(b.created_at) || a.id - b.id],
  ])('sorts by %s in SQL, with the id tiebreaker', async (sort, compare) => {
    const res = await request(running.url).get(`/products?sort=${sort}&limit=50`);
    expect(res.status).toBe(200);
    expect((res.body as Page).data.map((p) => p.id)).toEqual(
      [...rows]
        .sort(compare)
        .slice(0, 50)
        .map((p) => p.id),
    );
  });

  it('selects fields in the items and leaves the envelope alone; cursors survive a change of fields', async () => {
    const first = await request(running.url).get('/products?sort=price&limit=2&fields=id,price');
    const page = first.body as Page;
    expect(page.data).toEqual(
      [...rows]
        .sort((a, b) => a.price - b.price || a.id - b.id)
        .slice(0, 2)
        .map(({ id, price }) => ({ id, price })),
    );
    expect(page.pagination.has_more).toBe(true);
    const second = await request(running.url).get(
      `/products?sort=price&limit=2&exclude=description&cursor=${page.pagination.next_cursor}`,
    );
    expect(second.status).toBe(200);
    expect(Object.keys((second.body as Page).data[0] ?? {})).toEqual([
      'id',
      'name',
      'category',
      'price',
      'stock',
      'created_at',
      'updated_at',
    ]);
  });

  it('caches pages: MISS then HIT with the same strong ETag, and 304 on If-None-Match', async () => {
    const miss = await request(running.url).get('/products?category=tools&limit=3');
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['cache-status']).toBe('expresskit; fwd=miss; stored');
    expect(miss.headers['cache-control']).toBe('public, max-age=0, s-maxage=300');
    expect(miss.headers.etag).toMatch(/^"[0-9a-f]+-[\w-]+"$/);
    const hit = await request(running.url).get('/products?category=tools&limit=3');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.text).toBe(miss.text);
    const notModified = await request(running.url)
      .get('/products?category=tools&limit=3')
      .set('If-None-Match', String(miss.headers.etag));
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
  });

  it('sends one product with the strong ETag of its JSON, cached, 304 when unchanged', async () => {
    const product = rows.find((p) => p.id === 42);
    if (!product) throw new Error('seed has no product 42');
    const res = await request(running.url).get('/products/42');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(product);
    expect(res.headers.etag).toBe(productEtag(product));
    expect((await request(running.url).get('/products/42')).headers['x-cache']).toBe('HIT');
    const conditional = await request(running.url).get('/products/42').set('If-None-Match', productEtag(product));
    expect(conditional.status).toBe(304);
    expect(conditional.headers.etag).toBe(productEtag(product));
  });

  it('selects fields of one product (a representation with its own ETag)', async () => {
    const res = await request(running.url).get('/products/42?fields=name,price');
    const product = rows.find((p) => p.id === 42);
    expect(res.body).toEqual({ name: product?.name, price: product?.price });
    expect(res.headers.etag).not.toBe(product && productEtag(product));
  });

  it('answers a missing product with 404 problem details, and a malformed id with 400', async () => {
    const missing = await request(running.url).get('/products/999999');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe(PROBLEM);
    expect(missing.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'Product 999999 does not exist',
    });
    const malformed = await request(running.url).get('/products/4x');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      type: INVALID,
      title: 'Invalid path parameter',
      status: 400,
      detail: 'The product id must be a positive integer, got "4x"',
      parameter: 'id',
      rule: 'integer',
    });
  });

  it.each([
    ['/products?sort=popularity', 'sort', 'enum'],
    ['/products?sort=price&sort=name', 'sort', 'single-value'],
    ['/products?min_price=9.99', 'min_price', 'integer'],
    ['/products?max_price=-1', 'max_price', 'integer'],
    ['/products?min_price=500&max_price=100', 'max_price', 'range'],
    ['/products?category=Kitchen%20Stuff', 'category', 'pattern'],
    ['/products?colour=red', 'colour', 'unknown-parameter'],
    ['/products?limit=0', 'limit', 'minimum'],
    ['/products?limit=101', 'limit', 'maximum'],
    ['/products?cursor=garbage', 'cursor', 'cursor-format'],
    ['/products?fields=id(', 'fields', 'syntax'],
    ['/products/1?limit=5', 'limit', 'unknown-parameter'],
    ['/categories?fields=slug', 'fields', 'unknown-parameter'],
  ])('%s → 400 naming "%s" (rule %s)', async (url, parameter, rule) => {
    const res = await request(running.url).get(url);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).toMatchObject({ type: INVALID, status: 400, parameter, rule });
  });

  it('rejects a cursor replayed with other filters (it is bound to them)', async () => {
    const page = (await request(running.url).get('/products?category=toys&limit=1')).body as Page;
    const res = await request(running.url).get(`/products?category=pets&limit=1&cursor=${page.pagination.next_cursor}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ parameter: 'cursor', rule: 'cursor-binding' });
  });

  it('lists the 24 categories with their product counts, cached for an hour', async () => {
    const res = await request(running.url).get('/categories');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=0, s-maxage=3600');
    const categories = (res.body as { data: { slug: string; product_count: number }[] }).data;
    expect(categories).toHaveLength(24);
    expect(categories[0]).toEqual({
      slug: 'audio',
      name: 'Audio',
      product_count: rows.filter((p) => p.category === 'audio').length,
    });
    expect(categories.reduce((sum, c) => sum + c.product_count, 0)).toBe(rows.length);
  });

  it('compresses responses over 1 KB with br or gzip and leaves small ones alone', async () => {
    for (const encoding of ['br', 'gzip']) {
      const res = await fetch(`${running.url}/products?limit=30&sort=name`, {
        headers: { 'accept-encoding': encoding },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('vary')).toContain('Accept-Encoding');
      expect(((await res.json()) as Page).data).toHaveLength(30);
    }
    const small = await fetch(`${running.url}/products/7`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(Number(small.headers.get('content-length'))).toBeLessThan(1024);
  });
});
