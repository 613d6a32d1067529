import { type ResponseCache, responseCache } from '@expresskit/cache';
import { fields } from '@expresskit/fields';
import { type ExpressFactory, expressMajors } from '@expresskit/testing';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { PaginateOptions } from './options.js';
import { paginate } from './paginate.js';

const rows = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, secret: `s${i + 1}` }));
const secret = 'integration-secret-0123456789abcdef';

function itemsApp(express: ExpressFactory, options: PaginateOptions, before: readonly RequestHandler[] = []) {
  const app = express();
  let calls = 0;
  app.get('/items', ...before, paginate(options), (req, res) => {
    calls += 1;
    const page = req.pagination;
    if (page.mode === 'offset') {
      res.paginate(rows.slice(page.offset, page.offset + page.fetch), { total: rows.length });
      return;
    }
    const after = page.after?.[0];
    res.paginate(rows.filter((row) => typeof after !== 'number' || row.id > after).slice(0, page.fetch));
  });
  return { app, calls: () => calls };
}

describe.each(expressMajors)('with @expresskit/fields on $name', ({ express }) => {
  it('applies the field selection to data items and leaves pagination and links untouched', async () => {
    const { app } = itemsApp(express, { defaultLimit: 2 }, [fields()]);
    const response = await request(app).get('/items?fields=id,name&page=2').set('Host', 'h');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: [
        { id: 3, name: 'item 3' },
        { id: 4, name: 'item 4' },
      ],
      pagination: { page: 2, per_page: 2, offset: 2, has_more: true, total: 7, total_pages: 4 },
      links: {
        self: 'http://h/items?fields=id,name&page=2&per_page=2',
        first: 'http://h/items?fields=id,name&page=1&per_page=2',
        prev: 'http://h/items?fields=id,name&page=1&per_page=2',
        next: 'http://h/items?fields=id,name&page=3&per_page=2',
        last: 'http://h/items?fields=id,name&page=4&per_page=2',
      },
    });
    expect(response.headers.link).toBe(
      '<http://h/items?fields=id,name&page=1&per_page=2>; rel="first", <http://h/items?fields=id,name&page=1&per_page=2>; rel="prev", ' +
        '<http://h/items?fields=id,name&page=3&per_page=2>; rel="next", <http://h/items?fields=id,name&page=4&per_page=2>; rel="last"',
    );
  });

  it('cursor mode: the next link keeps ?fields=, and with bind the selection may change between pages', async () => {
    const { app } = itemsApp(express, { mode: 'cursor', secret, defaultLimit: 3, bind: [] }, [fields()]);
    const first = await request(app).get('/items?fields=id').set('Host', 'h');
    expect(first.body.data).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const next = first.body.pagination.next_cursor as string;
    expect(first.body.links.next).toBe(`http://h/items?fields=id&cursor=${next}&limit=3`);
    const second = await request(app).get(`/items?fields=name&cursor=${next}`);
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual([{ name: 'item 4' }, { name: 'item 5' }, { name: 'item 6' }]);
  });
});

describe.each(expressMajors)('with @expresskit/cache on $name', ({ express }) => {
  let cache: ResponseCache | undefined;
  afterEach(async () => {
    await cache?.close();
    cache = undefined;
  });

  it('stores different pages under different keys; a repeated page is a hit with the same Link header', async () => {
    cache = responseCache({ ttl: '1h' });
    const { app, calls } = itemsApp(express, { defaultLimit: 3, origin: 'https://api.example.com' }, [cache]);
    const one = await request(app).get('/items?page=1');
    const two = await request(app).get('/items?page=2');
    const oneAgain = await request(app).get('/items?page=1');
    expect([one.headers['x-cache'], two.headers['x-cache'], oneAgain.headers['x-cache']]).toEqual([
      'MISS',
      'MISS',
      'HIT',
    ]);
    expect(calls()).toBe(2);
    expect(one.body.data.map((row: { id: number }) => row.id)).toEqual([1, 2, 3]);
    expect(two.body.data.map((row: { id: number }) => row.id)).toEqual([4, 5, 6]);
    expect(oneAgain.text).toBe(one.text);
    expect(oneAgain.headers.link).toBe(
      '<https://api.example.com/items?page=1&per_page=3>; rel="first", <https://api.example.com/items?page=2&per_page=3>; rel="next", ' +
        '<https://api.example.com/items?page=3&per_page=3>; rel="last"',
    );
    expect(oneAgain.headers['x-total-count']).toBe('7');
  });

  it('a non-canonical page number is a 400, never a second cache entry for the same page', async () => {
    cache = responseCache({ ttl: '1h' });
    const { app, calls } = itemsApp(express, {}, [cache]);
    const padded = await request(app).get('/items?page=01');
    expect(padded.status).toBe(400);
    expect(padded.body).toMatchObject({ parameter: 'page', rule: 'integer' });
    expect(calls()).toBe(0);
  });
});
