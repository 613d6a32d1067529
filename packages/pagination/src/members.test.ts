import { expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { paginate } from './paginate.js';
import type { Pagination } from './types.js';

/*
 * req.pagination and res.paginate live on layers of the app's request/response prototypes
 * (ExpressLayer in @expresskit/core): no own property per request, the right instance per route.
 */

const ORIGIN = 'https://api.example.test';
const rows = Array.from({ length: 30 }, (_, i) => ({ id: i + 1 }));

describe.each(expressMajors)('req.pagination and res.paginate on the prototypes ($name)', ({ express }) => {
  it('adds no own property to requests or responses, and each route gets its own instance', async () => {
    const app = express();
    const own: boolean[] = [];
    const handler = (req: Request, res: Response) => {
      own.push(Object.hasOwn(req, 'pagination'), Object.hasOwn(res, 'paginate'));
      const page = req.pagination;
      if (page.mode !== 'offset') throw new Error('offset mode expected');
      res.paginate(rows.slice(page.offset, page.offset + page.fetch));
    };
    app.get('/small', paginate({ defaultLimit: 2 }), handler);
    app.get('/large', paginate({ defaultLimit: 5, params: { perPage: 'size' }, origin: ORIGIN }), handler);
    const small = await request(app).get('/small?page=2').expect(200);
    expect(small.body.data).toEqual([{ id: 3 }, { id: 4 }]);
    const large = await request(app).get('/large?size=3&page=2').expect(200);
    expect(large.body.data).toEqual([{ id: 4 }, { id: 5 }, { id: 6 }]);
    expect(large.body.links.next).toBe(`${ORIGIN}/large?page=3&size=3`);
    const again = await request(app).get('/small').expect(200);
    expect(again.body.data).toEqual([{ id: 1 }, { id: 2 }]);
    expect(own).toEqual([false, false, false, false, false, false]);
  });

  it('serves mounted sub-apps and apps mounted after their first request', async () => {
    const inner = express();
    inner.get('/items', paginate({ defaultLimit: 1, origin: ORIGIN }), (req, res) => {
      const page = req.pagination;
      if (page.mode !== 'offset') throw new Error('offset mode expected');
      res.paginate(rows.slice(page.offset, page.offset + page.fetch));
    });
    expect((await request(inner).get('/items?page=3').expect(200)).body.data).toEqual([{ id: 3 }]);
    const outer = express();
    outer.use('/v1', inner);
    const mounted = await request(outer).get('/v1/items?page=4').expect(200);
    expect(mounted.body.data).toEqual([{ id: 4 }]);
    expect(mounted.body.links.prev).toBe(`${ORIGIN}/v1/items?page=3&per_page=1`);
  });

  it('on a route without paginate(): no req.pagination, and res.paginate says why it cannot serve', async () => {
    const app = express();
    app.get('/paged', paginate(), (_req, res) => {
      res.paginate([]);
    });
    let seen: unknown = 'unset';
    app.get('/plain', (req, res) => {
      seen = req.pagination;
      res.paginate([1]);
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ name: error.name, message: error.message });
    });
    await request(app).get('/paged').expect(200);
    const plain = await request(app).get('/plain').expect(500);
    expect(seen).toBeUndefined();
    expect(plain.body).toEqual({
      name: 'TypeError',
      message: 'res.paginate: paginate() does not handle this request (mount it before the handler)',
    });
  });

  it('lets a handler assign req.pagination, as with a plain property', async () => {
    const app = express();
    const replaced: Pagination = { mode: 'offset', page: 9, limit: 1, offset: 8, fetch: 2 };
    app.get('/items', paginate(), (req, res) => {
      req.pagination = replaced;
      res.json({ same: req.pagination === replaced, own: Object.hasOwn(req, 'pagination') });
    });
    expect((await request(app).get('/items').expect(200)).body).toEqual({ same: true, own: true });
  });
});
