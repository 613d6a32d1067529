import { createHash } from 'node:crypto';
import { expressMajors } from '@expresskit/testing';
import type { Express, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type FieldsOptions, fields } from './fields.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const INVALID = 'tag:expresskit.dev,2026:invalid-parameter';

const user = { id: 1, name: 'Ada', email: 'ada@example.com', password: 'x', address: { city: 'London', zip: 'N1' } };
const page = {
  data: [
    { id: 1, name: 'a', secret: 's' },
    { id: 2, name: 'b', secret: 't' },
  ],
  pagination: { limit: 2, has_more: true },
  links: { next: '/items?cursor=x' },
};

describe.each(expressMajors)('fields() on $name', ({ express, major }) => {
  function app(options: FieldsOptions = {}, setup?: (app: Express) => void): Express {
    const server = express();
    server.use(fields(options));
    setup?.(server);
    server.get('/user', (_req: Request, res: Response) => {
      res.json(user);
    });
    server.get('/send', (_req: Request, res: Response) => {
      res.send(user);
    });
    server.get('/page', (_req: Request, res: Response) => {
      res.json(page);
    });
    server.get('/list', (_req: Request, res: Response) => {
      res.json(page.data);
    });
    server.get('/locals', (_req: Request, res: Response) => {
      const selection = res.locals.fields;
      res.type('text/plain').send(`${selection?.key}|${selection?.fields}|${selection?.exclude}`);
    });
    server.get('/missing', (_req: Request, res: Response) => {
      res.status(404).json({ error: 'not found', detail: 'x' });
    });
    return server;
  }

  it('selects fields of the res.json body', async () => {
    const res = await request(app()).get('/user?fields=id,address(city)');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe('{"id":1,"address":{"city":"London"}}');
  });

  it('applies to res.send(object) too (Express routes it through res.json)', async () => {
    const res = await request(app()).get('/send?fields=name');
    expect(res.body).toEqual({ name: 'Ada' });
  });

  it('leaves the body alone without a selection', async () => {
    const res = await request(app()).get('/user');
    expect(res.body).toEqual(user);
  });

  it('merges repeated parameters (?fields=a&fields=b)', async () => {
    const res = await request(app()).get('/user?fields=id&fields=name&fields=address/zip');
    expect(res.body).toEqual({ id: 1, name: 'Ada', address: { zip: 'N1' } });
  });

  it('excludes with ?exclude=, exclusion winning over the selection', async () => {
    const res = await request(app()).get('/user?fields=id,address&exclude=address/zip');
    expect(res.body).toEqual({ id: 1, address: { city: 'London' } });
    const only = await request(app()).get('/user?exclude=password,email,address');
    expect(only.body).toEqual({ id: 1, name: 'Ada' });
    const everything = await request(app()).get('/user?exclude=*');
    expect(everything.status).toBe(200);
    expect(everything.text).toBe('{}');
  });

  it('applies to the items of the pagination envelope, leaving pagination and links untouched', async () => {
    const res = await request(app()).get('/page?fields=name');
    expect(res.body).toEqual({ data: [{ name: 'a' }, { name: 'b' }], pagination: page.pagination, links: page.links });
    const list = await request(app()).get('/list?fields=id');
    expect(list.body).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('takes a custom envelope locator, or none', async () => {
    const locate = (body: Readonly<Record<string, unknown>>) =>
      Object.hasOwn(body, 'pagination') ? 'links' : undefined;
    const custom = await request(app({ envelope: locate })).get('/page?fields=next');
    expect(custom.body).toEqual({ data: page.data, pagination: page.pagination, links: { next: '/items?cursor=x' } });
    const none = await request(app({ envelope: false })).get('/page?fields=links');
    expect(none.body).toEqual({ links: page.links });
  });

  it('never masks error responses', async () => {
    const res = await request(app()).get('/missing?fields=error');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not found', detail: 'x' });
  });

  it('deny removes secrets with or without a selection; allow limits a selection', async () => {
    const server = app({ deny: 'password,secret', allow: 'id,name,secret,password,address(city)' });
    expect((await request(server).get('/user')).body).toEqual({
      id: 1,
      name: 'Ada',
      email: 'ada@example.com',
      address: { city: 'London', zip: 'N1' },
    });
    expect((await request(server).get('/user?fields=password,name,email,address')).body).toEqual({
      name: 'Ada',
      address: { city: 'London' },
    });
    expect((await request(server).get('/page?fields=*')).body.data).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('answers a malformed mask with 400 problem+json giving the offset, before the handler runs', async () => {
    let ran = false;
    const server = app({}, (s) =>
      s.get('/ran', (_req, res) => {
        ran = true;
        res.json(user);
      }),
    );
    const res = await request(server).get(`/ran?fields=${encodeURIComponent('id,address(city')}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).toEqual({
      type: INVALID,
      title: 'Invalid query parameter',
      status: 400,
      detail: 'Invalid field selection in "fields": syntax error at offset 15: missing ")" for the "(" at offset 10',
      parameter: 'fields',
      rule: 'syntax',
      offset: 15,
    });
    expect(ran).toBe(false);
  });

  it('reports which value of a repeated parameter is wrong', async () => {
    const res = await request(app()).get('/user?fields=id&exclude=a&exclude=b)');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ parameter: 'exclude', rule: 'syntax', offset: 1, occurrence: 1 });
    expect(res.body.detail).toBe(
      'Invalid field selection in "exclude" (value 2 of 2): syntax error at offset 1: unexpected ")" without a matching "("',
    );
  });

  it('strict mode answers 400 for an unknown field', async () => {
    const res = await request(app({ allow: 'id,name', strict: true })).get('/user?fields=id,nmae');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ parameter: 'fields', rule: 'unknown-field', offset: 3 });
  });

  it('lets onError replace the error response', async () => {
    const server = app({
      onError: (error, _req, res) => {
        res.status(422).json({ message: error.detail, offset: error.extensions.offset });
      },
    });
    const res = await request(server).get('/user?fields=a)');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      message: 'Invalid field selection in "fields": syntax error at offset 1: unexpected ")" without a matching "("',
      offset: 1,
    });
  });

  it('exposes the canonical selection on res.locals.fields for cache keys', async () => {
    const a = await request(app()).get('/locals?fields=b,a&exclude=d');
    const b = await request(app()).get('/locals?fields=a&fields=b,a&exclude=d');
    expect(a.text).toBe('fields=a%2Cb&exclude=d|a,b|d');
    expect(b.text).toBe(a.text);
    expect((await request(app()).get('/locals')).text).toBe('|null|null');
  });

  it('selects before the ETag is computed: the ETag is the one of the reduced body', async () => {
    const reduced = await request(app()).get('/user?fields=id');
    const direct = express();
    direct.get('/', (_req: Request, res: Response) => {
      res.json({ id: 1 });
    });
    const same = await request(direct).get('/');
    expect(reduced.headers.etag).toBe(same.headers.etag);
    const hash = createHash('sha1').update('{"id":1}').digest('base64').slice(0, 27);
    expect(reduced.headers.etag).toBe(`W/"8-${hash}"`);
    const b = await request(app()).get('/user?fields=name,id');
    const c = await request(app()).get('/user?fields=id,name');
    expect(b.text).toBe('{"id":1,"name":"Ada"}');
    expect(b.headers.etag).toBe(c.headers.etag);
  });

  it('handles the query shapes of the Express query parser', async () => {
    // Express 4's qs parses fields[]=… into an array and fields[0]=… by index; Express 5's simple
    // parser keeps the brackets as part of the name, so the parameter is just absent there.
    const brackets = await request(app()).get('/user?fields[]=id&fields[]=name');
    expect(brackets.body).toEqual(major === 4 ? { id: 1, name: 'Ada' } : user);
    const indexed = await request(app()).get('/user?fields[1]=name&fields[0]=id');
    expect(indexed.body).toEqual(major === 4 ? { id: 1, name: 'Ada' } : user);
    const object = await request(app()).get('/user?fields[a]=id');
    if (major === 4) {
      expect(object.status).toBe(400);
      expect(object.body).toMatchObject({ parameter: 'fields', rule: 'type', offset: 0 });
    } else {
      expect(object.body).toEqual(user);
    }
  });

  const whole = JSON.stringify(user);
  it.each([
    // query, Express 4 (qs): 400 or the exact body, Express 5 (simple: `fields[…]` is another name)
    ['fields=id&fields[x]=name', 400, '{"id":1}'],
    ['fields[0][x]=id', 400, whole],
    ['fields[0]=id&fields[0]=name', 400, whole],
    ['fields[__proto__]=id', 400, whole],
    ['fields[hasOwnProperty]=id', 400, whole],
    ['fields[=id', 400, whole],
    ['fields[]=id&fields=name', '{"id":1,"name":"Ada"}', '{"name":"Ada"}'],
    ['fields[25]=name&fields[3]=id', '{"id":1,"name":"Ada"}', whole],
  ])('the query %s: Express 4 answers %s, Express 5 %s', async (query, v4, v5) => {
    const res = await request(app()).get(`/user?${query}`);
    const expected = major === 4 ? v4 : v5;
    if (typeof expected === 'string') {
      expect(res.status).toBe(200);
      expect(res.text).toBe(expected);
    } else {
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.body).toEqual({
        type: INVALID,
        title: 'Invalid query parameter',
        status: 400,
        detail:
          'Invalid field selection in "fields": expected a string or repeated strings (e.g. "?fields=a,b" or "?fields=a&fields=b")',
        parameter: 'fields',
        rule: 'type',
        offset: 0,
      });
    }
  });

  it('accepts custom parameter names and can turn exclusion off', async () => {
    const server = app({ param: 'select', excludeParam: false });
    expect((await request(server).get('/user?select=id&exclude=id')).body).toEqual({ id: 1 });
    expect((await request(server).get('/user?fields=id')).body).toEqual(user);
  });

  it('rejects bad options at creation with a TypeError naming the option', () => {
    expect(() => fields({ maxLength: -1 })).toThrow(
      new TypeError('fields: "maxLength" must be an integer from 1 to 1000000, got -1'),
    );
    expect(() => fields({ envelope: '__proto__' })).toThrow(
      new TypeError('fields: "envelope" must be a member name, a function or false, got "__proto__"'),
    );
    expect(() => fields({ param: '' })).toThrow(new TypeError('fields: "param" must be a non-empty string, got ""'));
    expect(() => fields({ excludeParam: 'fields' })).toThrow(
      new TypeError('fields: "excludeParam" must be different from "param", got "fields"'),
    );
    expect(() => fields({ cacheSize: 0 })).toThrow(
      new TypeError('fields: "cacheSize" must be a positive integer, got 0'),
    );
    expect(() => fields({ strict: true })).toThrow(TypeError);
  });
});

describe('fields() with the Express 4-only res.json signatures', () => {
  const express4 = expressMajors.find((entry) => entry.major === 4)?.express;
  if (express4 === undefined) throw new Error('the Express 4 entry of expressMajors is missing');
  const app = express4();
  app.use(fields());
  // Express 4 still accepts (deprecated) res.json(status, body) and res.json(body, status).
  type LegacyJson = (a: unknown, b: unknown) => void;
  app.get('/status-first', (_req: Request, res: Response) => (res.json as unknown as LegacyJson)(201, user));
  app.get('/status-last', (_req: Request, res: Response) => (res.json as unknown as LegacyJson)(user, 201));
  app.get('/error-first', (_req: Request, res: Response) => (res.json as unknown as LegacyJson)(500, user));

  it('selects on res.json(status, body) and res.json(body, status)', async () => {
    for (const path of ['/status-first', '/status-last']) {
      const res = await request(app).get(`${path}?fields=id`);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: 1 });
    }
  });

  it('does not select on res.json(500, body)', async () => {
    const res = await request(app).get('/error-first?fields=id');
    expect(res.status).toBe(500);
    expect(res.body).toEqual(user);
  });
});
