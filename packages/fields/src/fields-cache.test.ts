import { expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fields } from './fields.js';

const user = { id: 1, name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1' } };

/**
 * The middleware answers a repeated mask from its last lookup and keys the LRU by the raw value
 * (`f…` for one `fields` value, `x…` for one `exclude` value, JSON for anything else): a sequence
 * of masks that alternate between those paths gets, every time, the body its mask selects.
 */
describe.each(expressMajors)('fields() selector lookup on $name', ({ express }) => {
  const app = express();
  app.use(fields());
  app.get('/user', (_req: Request, res: Response) => {
    res.json(user);
  });
  app.get('/key', (_req: Request, res: Response) => {
    res.type('text/plain').send(res.locals.fields?.key ?? 'none');
  });

  const cases: Array<[string, unknown]> = [
    ['fields=id', { id: 1 }],
    ['fields=id', { id: 1 }],
    ['exclude=id', { name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1' } }],
    ['fields=id', { id: 1 }],
    ['fields=id&fields=name', { id: 1, name: 'Ada' }],
    ['fields=id,name', { id: 1, name: 'Ada' }],
    ['fields=name,id', { id: 1, name: 'Ada' }],
    ['fields=address(city)&exclude=id', { address: { city: 'London' } }],
    ['fields=%5B%22id%22%5D', {}],
    ['exclude=id', { name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1' } }],
    ['', user],
    ['fields=id', { id: 1 }],
  ];

  it('selects what each mask asks for, whichever lookup answered it', async () => {
    for (const [query, body] of cases) {
      const response = await request(app).get(`/user?${query}`);
      expect([query, response.status, response.body]).toEqual([query, 200, body]);
    }
  });

  it('a bad mask after a good one (and the reverse) is still a 400', async () => {
    expect((await request(app).get('/user?fields=id')).body).toEqual({ id: 1 });
    const bad = await request(app).get('/user?fields=id(');
    expect(bad.status).toBe(400);
    expect((bad.body as { parameter?: string }).parameter).toBe('fields');
    expect((await request(app).get('/user?fields=id')).body).toEqual({ id: 1 });
  });

  it('exposes the canonical key of the selector it found', async () => {
    expect((await request(app).get('/key?fields=name,id')).text).toBe('fields=id%2Cname');
    expect((await request(app).get('/key?fields=name,id')).text).toBe('fields=id%2Cname');
    expect((await request(app).get('/key?exclude=name,id')).text).toBe('exclude=id%2Cname');
    expect((await request(app).get('/key?fields=id,name')).text).toBe('fields=id%2Cname');
    expect((await request(app).get('/key')).text).toBe('');
  });
});
