import { PROBLEM_CONTENT_TYPE } from '@expresskit/core';
import { type ExpressFactory, expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { PaginateOptions } from './options.js';
import { paginate } from './paginate.js';

const items = Array.from({ length: 45 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }));

function offsetApp(express: ExpressFactory, options: PaginateOptions = {}, withTotal = false) {
  const app = express();
  app.get('/items', paginate(options), (req, res) => {
    const page = req.pagination;
    if (page.mode !== 'offset') throw new Error('offset mode expected');
    res.paginate(items.slice(page.offset, page.offset + page.fetch), withTotal ? { total: items.length } : {});
  });
  return app;
}

describe.each(expressMajors)('offset mode on $name', ({ express }) => {
  it('sends the first page with has_more from the extra row, no total, and a Link header', async () => {
    const response = await request(offsetApp(express)).get('/items?per_page=2').set('Host', 'api.example.com');
    expect(response.status).toBe(200);
    expect(response.headers.link).toBe(
      '<http://api.example.com/items?page=1&per_page=2>; rel="first", ' +
        '<http://api.example.com/items?page=2&per_page=2>; rel="next"',
    );
    expect(response.headers['x-total-count']).toBeUndefined();
    expect(response.headers['access-control-expose-headers']).toBe('Link, X-Total-Count');
    expect(response.body).toEqual({
      data: [items[0], items[1]],
      pagination: { page: 1, per_page: 2, offset: 0, has_more: true },
      links: {
        self: 'http://api.example.com/items?page=1&per_page=2',
        first: 'http://api.example.com/items?page=1&per_page=2',
        prev: null,
        next: 'http://api.example.com/items?page=2&per_page=2',
        last: null,
      },
    });
  });

  it('with a total: X-Total-Count, total, total_pages and the last link; other parameters kept exactly', async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.setHeader('Access-Control-Expose-Headers', 'ETag');
      next();
    });
    app.use(offsetApp(express, {}, true));
    const response = await request(app)
      .get('/items?tag=b&page=3&tag=a&per_page=10&q=caf%C3%A9+x')
      .set('Host', 'api.example.com');
    const base = 'http://api.example.com/items?tag=b&tag=a&q=caf%C3%A9+x';
    expect(response.headers.link).toBe(
      `<${base}&page=1&per_page=10>; rel="first", <${base}&page=2&per_page=10>; rel="prev", ` +
        `<${base}&page=4&per_page=10>; rel="next", <${base}&page=5&per_page=10>; rel="last"`,
    );
    expect(response.headers['x-total-count']).toBe('45');
    expect(response.headers['access-control-expose-headers']).toBe('ETag, Link, X-Total-Count');
    expect(response.body.pagination).toEqual({
      page: 3,
      per_page: 10,
      offset: 20,
      has_more: true,
      total: 45,
      total_pages: 5,
    });
    expect(response.body.data.map((item: { id: number }) => item.id)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  });

  it('speaks offset/limit when the client does, and ends with has_more false', async () => {
    const response = await request(offsetApp(express, {}, true))
      .get('/items?offset=40&limit=10')
      .set('Host', 'h');
    expect(response.headers.link).toBe(
      '<http://h/items?offset=0&limit=10>; rel="first", <http://h/items?offset=30&limit=10>; rel="prev", ' +
        '<http://h/items?offset=40&limit=10>; rel="last"',
    );
    expect(response.body.pagination).toEqual({
      page: 5,
      per_page: 10,
      offset: 40,
      has_more: false,
      total: 45,
      total_pages: 5,
    });
    expect(response.body.data).toHaveLength(5);
  });

  it('points prev of a page past the end at the last page when the total is known', async () => {
    const response = await request(offsetApp(express, {}, true))
      .get('/items?page=9&per_page=10')
      .set('Host', 'h');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([]);
    expect(response.body.links).toMatchObject({
      prev: 'http://h/items?page=5&per_page=10',
      next: null,
      last: 'http://h/items?page=5&per_page=10',
    });
  });

  it('leaves out next and last links that maxOffset would reject', async () => {
    const response = await request(offsetApp(express, { maxOffset: 20 }, true))
      .get('/items?page=3&per_page=10')
      .set('Host', 'h');
    expect(response.status).toBe(200);
    expect(response.headers.link).toBe(
      '<http://h/items?page=1&per_page=10>; rel="first", <http://h/items?page=2&per_page=10>; rel="prev"',
    );
    expect(response.body.pagination.has_more).toBe(true);
  });

  it.each([
    ['/items?page=1&page=2', 'page', 'single-value', '"page" must be given at most once'],
    ['/items?page[a]=1', 'page', 'single-value', '"page" must be a single value, not an array or object'],
    [
      '/items?per_page[]=5&per_page[]=6',
      'per_page',
      'single-value',
      '"per_page" must be a single value, not an array or object',
    ],
    ['/items?limit=0', 'limit', 'minimum', '"limit" must be at least 1, got "0"'],
    ['/items?per_page=1000', 'per_page', 'maximum', '"per_page" must be at most 100, got "1000"'],
    [
      '/items?page=1e3',
      'page',
      'integer',
      '"page" must be a decimal integer without sign, leading zeros, exponent or spaces, got "1e3"',
    ],
    ['/items?offset=10001', 'offset', 'max-offset', '"offset" must be at most 10000, got 10001'],
  ])('%s → 400 problem naming %s and %s', async (url, parameter, rule, detail) => {
    const response = await request(offsetApp(express)).get(url);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(JSON.parse(response.text)).toMatchObject({
      type: 'tag:expresskit.dev,2026:invalid-parameter',
      title: 'Invalid query parameter',
      status: 400,
      detail,
      parameter,
      rule,
    });
  });

  it('clamps with overMax: clamp and links with the clamped size', async () => {
    const response = await request(offsetApp(express, { overMax: 'clamp', maxLimit: 3 }))
      .get('/items?per_page=50')
      .set('Host', 'h');
    expect(response.body.pagination).toEqual({ page: 1, per_page: 3, offset: 0, has_more: true });
    expect(response.body.links.next).toBe('http://h/items?page=2&per_page=3');
  });

  it('never writes req.query', async () => {
    const app = express();
    let seen: unknown;
    app.get('/items', paginate(), (req, res) => {
      seen = req.query;
      res.paginate([]);
    });
    await request(app).get('/items?page=2&per_page=5&sort=name').expect(200);
    expect(seen).toEqual({ page: '2', per_page: '5', sort: 'name' });
  });

  it('appends to a Link header set earlier and reads renamed parameters', async () => {
    const app = express();
    app.get(
      '/items',
      (_req, res, next) => {
        res.append('Link', '</style.css>; rel="preload"; as="style"');
        next();
      },
      paginate({ params: { page: 'p', perPage: 'size' } }),
      (req, res) => {
        if (req.pagination.mode !== 'offset') throw new Error('offset mode expected');
        res.paginate(items.slice(req.pagination.offset, req.pagination.offset + req.pagination.fetch));
      },
    );
    const response = await request(app).get('/items?p=2&size=20&page=77').set('Host', 'h');
    expect(response.headers.link).toBe(
      '</style.css>; rel="preload"; as="style", <http://h/items?page=77&p=1&size=20>; rel="first", ' +
        '<http://h/items?page=77&p=1&size=20>; rel="prev", <http://h/items?page=77&p=3&size=20>; rel="next"',
    );
    expect(response.body.data[0]).toEqual(items[20]);
  });

  it('lets onError replace the problem response', async () => {
    const app = offsetApp(express, {
      onError: (error, _req, res) => {
        res.status(422).json({ message: error.detail, field: error.extensions.parameter });
      },
    });
    const response = await request(app).get('/items?page=0');
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ message: '"page" must be at least 1, got "0"', field: 'page' });
  });

  it('builds links from X-Forwarded-Proto/Host only when trust proxy trusts the peer', async () => {
    const trusted = offsetApp(express);
    trusted.set('trust proxy', 'loopback');
    const forwarded = {
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'api.example.com, internal:8080',
      Host: 'internal:8080',
    };
    const viaProxy = await request(trusted).get('/items?per_page=40').set(forwarded);
    expect(viaProxy.body.links.self).toBe('https://api.example.com/items?page=1&per_page=40');
    const direct = await request(offsetApp(express)).get('/items?per_page=40').set(forwarded);
    expect(direct.body.links.self).toBe('http://internal:8080/items?page=1&per_page=40');
    const fixed = await request(offsetApp(express, { origin: 'https://public.example.com/ignored' }))
      .get('/items')
      .set(forwarded);
    expect(fixed.body.links.first).toBe('https://public.example.com/items?page=1&per_page=20');
  });

  it('percent-encodes what a URI may not contain, so a client cannot inject Link relations', async () => {
    const response = await request(offsetApp(express))
      .get('/items?q=a>;rel="evil",<x&per_page=1&r=100%')
      .set('Host', 'h');
    expect(response.status).toBe(200);
    const base = 'http://h/items?q=a%3E;rel=%22evil%22,%3Cx&r=100%25';
    expect(response.headers.link).toBe(
      `<${base}&page=1&per_page=1>; rel="first", <${base}&page=2&per_page=1>; rel="next"`,
    );
    expect(response.body.links.self).toBe(`${base}&page=1&per_page=1`);
  });

  it('res.paginate is one shared method: detached or given a non-array it throws a TypeError to the error handler', async () => {
    const app = express();
    app.get('/items', paginate(), (req, res) => {
      const { paginate: detached } = res;
      if (req.query.detached === '1') detached([1]);
      else res.paginate('nope' as unknown as unknown[]);
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ name: error.name, message: error.message });
    });
    expect((await request(app).get('/items?detached=1')).body).toEqual({
      name: 'TypeError',
      message: 'res.paginate: call it as a method of the response, res.paginate(items)',
    });
    expect((await request(app).get('/items')).body).toEqual({
      name: 'TypeError',
      message: 'res.paginate: "items" must be an array',
    });
  });

  it('keeps the mount path of a router in links', async () => {
    const app = express();
    app.use('/v1', offsetApp(express));
    const response = await request(app).get('/v1/items?per_page=30').set('Host', 'h');
    expect(response.body.links.next).toBe('http://h/v1/items?page=2&per_page=30');
  });

  it('supports the array envelope and a custom envelope', async () => {
    const array = await request(offsetApp(express, { envelope: 'array' }))
      .get('/items?per_page=2')
      .set('Host', 'h');
    expect(array.body).toEqual([items[0], items[1]]);
    expect(array.headers.link).toBe(
      '<http://h/items?page=1&per_page=2>; rel="first", <http://h/items?page=2&per_page=2>; rel="next"',
    );
    const custom = await request(
      offsetApp(express, {
        envelope: (page, req: Request) => ({ items: page.data, meta: page.pagination, path: req.path }),
      }),
    ).get('/items?per_page=1');
    expect(custom.body).toEqual({
      items: [items[0]],
      meta: { page: 1, per_page: 1, offset: 0, has_more: true },
      path: '/items',
    });
  });
});
