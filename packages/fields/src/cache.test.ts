import { expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type FieldsOptions, fields } from './fields.js';

const user = { id: 1, name: 'Ada', email: 'ada@example.com', password: 'x', address: { city: 'London', zip: 'N1' } };

describe.each(expressMajors)('the compiled-selection cache of fields() on $name', ({ express }) => {
  /** An app that records the `res.locals.fields` of every request. */
  function recording(options: FieldsOptions) {
    const seen: unknown[] = [];
    const server = express();
    server.use(fields(options));
    server.get('/', (_req: Request, res: Response) => {
      seen.push(res.locals.fields);
      res.json(user);
    });
    return { server, seen };
  }

  it('caches compiled selections in a bounded LRU keyed by the canonical mask', async () => {
    const { server, seen } = recording({ cacheSize: 2 });
    for (const query of ['b,a', 'a,b', 'a,b,a', 'a&fields=b', 'b,a']) await request(server).get(`/?fields=${query}`);
    // Five spellings of one selection: one compiled selector.
    expect(new Set(seen).size).toBe(1);
    await request(server).get('/?fields=x');
    await request(server).get('/?fields=y');
    await request(server).get('/?fields=a,b');
    // Two other masks evicted it (cacheSize 2): compiled again, the same selection.
    const again = seen.at(-1) as { fields: string } | undefined;
    expect(again).not.toBe(seen[0]);
    expect(again?.fields).toBe('a,b');
  });

  it('bounds the cache by size too: two of the largest masks evict what came before', async () => {
    // 4 entries, 256 size units: a 200-name mask is about 210 units (plan members plus key length).
    const { server, seen } = recording({ cacheSize: 4 });
    const big = (prefix: string) => Array.from({ length: 200 }, (_, i) => `${prefix}${i}`).join(',');
    for (const query of ['id', 'id', big('p'), big('q'), big('p'), 'id'])
      await request(server).get(`/?fields=${query}`);
    expect(seen[1]).toBe(seen[0]);
    // Only 3 distinct masks (fewer than 4 entries), yet the first two were evicted by size.
    expect(seen[4]).not.toBe(seen[2]);
    expect(seen[5]).not.toBe(seen[0]);
    expect((seen[5] as { fields: string }).fields).toBe('id');
  });

  it('compiles the selection of a request without fields/exclude once, at creation', async () => {
    const { server, seen } = recording({ deny: 'password', cacheSize: 1 });
    const one = await request(server).get('/');
    // A selection in between fills the one-entry cache; the selection of no parameters is not in it.
    await request(server).get('/?fields=id');
    await request(server).get('/?other=1');
    expect(one.body).toEqual({ id: 1, name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1' } });
    expect(seen).toHaveLength(3);
    expect(seen[2]).toBe(seen[0]);
    expect(seen[0]).toMatchObject({ fields: null, exclude: null, key: '', identity: false });
  });
});
