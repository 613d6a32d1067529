import { PROBLEM_CONTENT_TYPE, ProblemError, problemType } from '@expresskit/core';
import { type ExpressFactory, expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from './cursor.js';
import type { PaginateOptions } from './options.js';
import { paginate } from './paginate.js';

const secret = 'http-secret-0123456789abcdef-xyz';
const rows = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, status: i % 2 === 0 ? 'open' : 'closed' }));

/** An in-memory keyset over `rows` sorted by id, honouring `req.pagination` like a SQL query would. */
function cursorApp(express: ExpressFactory, options: Partial<PaginateOptions> = {}) {
  const app = express();
  app.get('/items', paginate({ mode: 'cursor', secret, defaultLimit: 3, ...options }), (req, res) => {
    const page = req.pagination;
    if (page.mode !== 'cursor') throw new Error('cursor mode expected');
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    let selected = rows.filter((row) => status === undefined || row.status === status);
    const after = page.after?.[0];
    const before = page.before?.[0];
    if (typeof after === 'number') selected = selected.filter((row) => row.id > after);
    if (typeof before === 'number') selected = selected.filter((row) => row.id < before).reverse();
    res.paginate(selected.slice(0, page.fetch), req.query.total === '1' ? { total: 10 } : {});
  });
  return app;
}

const tokenOf = (link: string | null | undefined, param = 'cursor'): string =>
  new URL(link ?? 'http://x/').searchParams.get(param) ?? '';

describe.each(expressMajors)('cursor mode on $name', ({ express }) => {
  it('sends pages with next/prev cursors and exact Link headers', async () => {
    const app = cursorApp(express);
    const first = await request(app).get('/items').set('Host', 'h');
    expect(first.status).toBe(200);
    const next = tokenOf(first.body.links.next);
    expect(first.body).toEqual({
      data: [rows[0], rows[1], rows[2]],
      pagination: { limit: 3, has_more: true, next_cursor: next, prev_cursor: null },
      links: {
        self: 'http://h/items?limit=3',
        first: 'http://h/items?limit=3',
        prev: null,
        next: `http://h/items?cursor=${next}&limit=3`,
        last: null,
      },
    });
    expect(first.headers.link).toBe(
      `<http://h/items?limit=3>; rel="first", <http://h/items?cursor=${next}&limit=3>; rel="next"`,
    );

    const second = await request(app).get(`/items?cursor=${next}&limit=3`).set('Host', 'h');
    expect(second.body.data.map((row: { id: number }) => row.id)).toEqual([4, 5, 6]);
    const prev = second.body.pagination.prev_cursor as string;
    const next2 = second.body.pagination.next_cursor as string;
    expect(second.headers.link).toBe(
      `<http://h/items?limit=3>; rel="first", <http://h/items?before=${prev}&limit=3>; rel="prev", ` +
        `<http://h/items?cursor=${next2}&limit=3>; rel="next"`,
    );
    const back = await request(app).get(`/items?before=${prev}&limit=3`).set('Host', 'h');
    expect(back.body.data.map((row: { id: number }) => row.id)).toEqual([1, 2, 3]);
    expect(back.body.pagination).toMatchObject({ has_more: false, prev_cursor: null });
    const backNext = back.body.pagination.next_cursor as string;
    expect(back.headers.link).toBe(
      `<http://h/items?limit=3>; rel="first", <http://h/items?cursor=${backNext}&limit=3>; rel="next"`,
    );
    expect(back.body.links.self).toBe(`http://h/items?before=${prev}&limit=3`);
    const forwardAgain = await request(app).get(`/items?cursor=${backNext}&limit=3`);
    expect(forwardAgain.body.data.map((row: { id: number }) => row.id)).toEqual([4, 5, 6]);
  });

  it('adds X-Total-Count and total only when the handler gives one', async () => {
    const response = await request(cursorApp(express)).get('/items?total=1').set('Host', 'h');
    expect(response.headers['x-total-count']).toBe('10');
    expect(response.body.pagination.total).toBe(10);
  });

  it('keeps the filters in the links and rejects a cursor replayed with other filters', async () => {
    const app = cursorApp(express);
    const first = await request(app).get('/items?status=open&limit=2').set('Host', 'h');
    expect(first.body.data.map((row: { id: number }) => row.id)).toEqual([1, 3]);
    const next = tokenOf(first.body.links.next);
    expect(first.body.links.next).toBe(`http://h/items?status=open&cursor=${next}&limit=2`);
    const followed = await request(app).get(`/items?status=open&cursor=${next}&limit=5`);
    expect(followed.body.data.map((row: { id: number }) => row.id)).toEqual([5, 7, 9]);
    const replayed = await request(app).get(`/items?status=closed&cursor=${next}`);
    expect(replayed.status).toBe(400);
    expect(replayed.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(replayed.body).toEqual({
      type: 'tag:expresskit.dev,2026:invalid-parameter',
      title: 'Invalid query parameter',
      status: 400,
      detail: '"cursor" was issued for other filters or another sort order; start again from the first page',
      parameter: 'cursor',
      rule: 'cursor-binding',
    });
    const extra = await request(app).get(`/items?status=open&q=x&cursor=${next}`);
    expect(extra.body.rule).toBe('cursor-binding');
  });

  it('binds only the listed parameters with bind: [names]', async () => {
    const app = cursorApp(express, { bind: ['status'] });
    const first = await request(app).get('/items?status=open&fields=id&limit=1');
    const next = first.body.pagination.next_cursor as string;
    const otherFields = await request(app).get(`/items?status=open&fields=id,status&cursor=${next}&limit=1`);
    expect(otherFields.status).toBe(200);
    expect(otherFields.body.data).toEqual([rows[2]]);
    expect((await request(app).get(`/items?status=closed&cursor=${next}`)).body.rule).toBe('cursor-binding');
  });

  it('rejects a cursor signed for another sort', async () => {
    const token = encodeCursor([3], { secret, bind: { sort: ['-id'], filters: [] } });
    const response = await request(cursorApp(express)).get(`/items?cursor=${token}`);
    expect(response.body).toMatchObject({ status: 400, parameter: 'cursor', rule: 'cursor-binding' });
  });

  it('rejects tampered and malformed cursors with 400, naming cursor or before', async () => {
    const app = cursorApp(express);
    const next = (await request(app).get('/items')).body.pagination.next_cursor as string;
    const flipped = `${next.slice(0, 5)}${next[5] === 'A' ? 'B' : 'A'}${next.slice(6)}`;
    const cases: Array<[string, string, string]> = [
      [`/items?cursor=${flipped}`, 'cursor', 'cursor-signature'],
      [`/items?before=${flipped}`, 'before', 'cursor-signature'],
      ['/items?cursor=', 'cursor', 'cursor-format'],
      ['/items?cursor=%00%FF', 'cursor', 'cursor-format'],
      [`/items?cursor=${'A'.repeat(5000)}`, 'cursor', 'cursor-format'],
      [`/items?cursor=${next}&cursor=${next}`, 'cursor', 'single-value'],
      [`/items?cursor[a]=${next}`, 'cursor', 'single-value'],
      [`/items?cursor=${next}&before=${next}`, 'before', 'exclusive'],
    ];
    for (const [url, parameter, rule] of cases) {
      const response = await request(app).get(url);
      expect([url, response.status, response.body.parameter, response.body.rule]).toEqual([url, 400, parameter, rule]);
    }
  });

  it('expires cursors with cursorTtl on the injected clock', async () => {
    let now = Date.UTC(2026, 10, 24);
    const app = cursorApp(express, { cursorTtl: '10m', now: () => now });
    const next = (await request(app).get('/items')).body.pagination.next_cursor as string;
    now += 10 * 60_000 - 1;
    expect((await request(app).get(`/items?cursor=${next}`)).status).toBe(200);
    now += 1;
    const expired = await request(app).get(`/items?cursor=${next}`);
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({ parameter: 'cursor', rule: 'cursor-expired' });
    const immortal = (await request(cursorApp(express)).get('/items')).body.pagination.next_cursor as string;
    const withTtl = await request(app).get(`/items?cursor=${immortal}`);
    expect(withTtl.body).toMatchObject({ status: 400, parameter: 'cursor', rule: 'cursor-expired' });
  });

  it('accepts cursors of the previous secret after a rotation', async () => {
    const oldApp = cursorApp(express, { secret: 'the-previous-secret-0123456789' });
    const next = (await request(oldApp).get('/items')).body.pagination.next_cursor as string;
    const rotated = cursorApp(express, {
      secret: ['the-current-secret-0123456789ab', 'the-previous-secret-0123456789'],
    });
    const response = await request(rotated).get(`/items?cursor=${next}`);
    expect(response.body.data).toEqual([rows[3], rows[4], rows[5]]);
    const retired = cursorApp(express, { secret: ['the-current-secret-0123456789ab'] });
    expect((await request(retired).get(`/items?cursor=${next}`)).body.rule).toBe('cursor-signature');
  });

  it('speaks the JSON:API cursor profile names with params, on both query parsers', async () => {
    const app = cursorApp(express, { params: { limit: 'page[size]', cursor: 'page[after]', before: 'page[before]' } });
    const first = await request(app).get('/items?page[size]=2&status=open').set('Host', 'h');
    expect(first.status).toBe(200);
    expect(first.body.data.map((row: { id: number }) => row.id)).toEqual([1, 3]);
    const next = first.body.pagination.next_cursor as string;
    expect(first.body.links.next).toBe(`http://h/items?status=open&page%5Bafter%5D=${next}&page%5Bsize%5D=2`);
    const second = await request(app).get(first.body.links.next.replace('http://h', ''));
    expect(second.body.data.map((row: { id: number }) => row.id)).toEqual([5, 7]);
    const bad = await request(app).get('/items?page[size]=0');
    expect(bad.body).toMatchObject({ status: 400, parameter: 'page[size]', rule: 'minimum' });
    const repeated = await request(app).get('/items?page[size]=1&page[size]=2');
    expect(repeated.body).toMatchObject({ status: 400, parameter: 'page[size]', rule: 'single-value' });
  });

  it('chooses the sort per request; a ProblemError from the sort function is sent as the problem', async () => {
    const app = cursorApp(express, {
      sort: (req) => {
        if (req.query.sort === undefined || req.query.sort === 'id') return [];
        throw new ProblemError(400, {
          type: problemType('invalid-parameter'),
          detail: '"sort" must be "id"',
          extensions: { parameter: 'sort', rule: 'enum' },
        });
      },
    });
    const ok = await request(app).get('/items?sort=id&limit=1');
    expect(ok.body.data).toEqual([rows[0]]);
    const bad = await request(app).get('/items?sort=name');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(bad.body).toEqual({
      type: 'tag:expresskit.dev,2026:invalid-parameter',
      title: 'Bad Request',
      status: 400,
      detail: '"sort" must be "id"',
      parameter: 'sort',
      rule: 'enum',
    });
  });

  it('passes an error thrown by a sort function to next()', async () => {
    const app = cursorApp(express, {
      sort: () => {
        throw new Error('sort exploded');
      },
    });
    app.use(
      (error: Error, _req: unknown, res: { status(code: number): { json(body: unknown): void } }, _next: unknown) => {
        res.status(500).json({ caught: error.message });
      },
    );
    const response = await request(app).get('/items');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ caught: 'sort exploded' });
  });
});
