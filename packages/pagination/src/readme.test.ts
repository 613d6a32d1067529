import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { keysetSql, normaliseSort } from './keyset.js';
import { paginate } from './paginate.js';

const readme = readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
const documented = (prefix: string): string => readme.split('\n').find((line) => line.startsWith(prefix)) ?? '';

describe.each(expressMajors)('the README quick start on $name', ({ express }) => {
  it('answers GET /products?page=2&per_page=10 with the documented headers and body', async () => {
    // The offset quick start, as printed in the README.
    const products = Array.from({ length: 95 }, (_, i) => ({ id: i + 1, name: `Product ${i + 1}` }));
    const app = express();
    app.get('/products', paginate({ defaultLimit: 20, maxLimit: 100 }), (req, res) => {
      if (req.pagination.mode !== 'offset') throw new Error('unreachable');
      const { offset, fetch } = req.pagination;
      res.paginate(products.slice(offset, offset + fetch), { total: products.length });
    });

    const response = await request(app).get('/products?page=2&per_page=10').set('Host', 'localhost:3000');
    expect(response.status).toBe(200);
    expect(`Link: ${response.headers.link}`).toBe(documented('Link: '));
    expect(`X-Total-Count: ${response.headers['x-total-count']}`).toBe(documented('X-Total-Count: '));
    expect(`Access-Control-Expose-Headers: ${response.headers['access-control-expose-headers']}`).toBe(
      documented('Access-Control-Expose-Headers: '),
    );
    expect(response.body.data[0]).toEqual({ id: 11, name: 'Product 11' });
    expect(`"pagination":${JSON.stringify(response.body.pagination)}`).toBe(
      documented(' "pagination":').trim().replace(/,$/, ''),
    );
  });
});

describe('the README keyset example', () => {
  it('documents the where() of the second page of sort: ["-created_at"]', () => {
    const { sql } = keysetSql(normaliseSort(['-created_at'], 'id', 'test'), ['t', 7]);
    expect(readme).toContain(`{ sql: '${sql}', params: [t, t, id] }`);
  });
});
