import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBLEM_CONTENT_TYPE } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from './cursor.js';
import { paginate } from './paginate.js';

const secret = 'hostile-secret-0123456789abcdef';
const rows = Array.from({ length: 30 }, (_, i) => ({ id: i + 1 }));
const names = ['page', 'per_page', 'limit', 'offset', 'cursor', 'before', 'q', 'page[]', 'limit[a]', 'cursor[0]'];
const valid = encodeCursor([3], { secret, bind: { sort: ['id'], filters: [] } });

/** A query segment: a name, maybe a value, sent raw (with characters Node accepts) or percent-encoded. */
const segment = fc
  .tuple(
    fc.constantFrom(...names),
    fc.option(
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.stringMatching(/^[-+ 0-9e.x]{0,25}$/),
        fc.constantFrom(valid, `${valid}A`, '0', '1', '100', '101', '10001', '9'.repeat(30), '%zz', '%00'),
      ),
      { nil: undefined },
    ),
    fc.boolean(),
  )
  .map(([name, value, raw]) => {
    if (value === undefined) return name;
    const text = raw ? value.replace(/[^\u0021-\u007e]|[#&]/g, (char) => encodeURIComponent(char)) : value;
    return `${name}=${raw ? text : encodeURIComponent(text)}`;
  });

describe.each(expressMajors)('hostile query strings on $name', ({ express }) => {
  const servers: Server[] = [];
  const urls: Record<'offset' | 'cursor', string> = { offset: '', cursor: '' };

  beforeAll(async () => {
    for (const mode of ['offset', 'cursor'] as const) {
      const app = express();
      app.get('/items', paginate({ mode, secret }), (req, res) => {
        const page = req.pagination;
        const after = page.mode === 'cursor' ? page.after?.[0] : undefined;
        const start = page.mode === 'offset' ? page.offset : typeof after === 'number' ? after : 0;
        res.paginate(rows.slice(start, start + page.fetch));
      });
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      urls[mode] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it.each(['offset', 'cursor'] as const)('%s mode answers 200 or a 400 problem, never anything else', async (mode) => {
    let problems = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 5 }), async (segments) => {
        const response = await request(urls[mode]).get(`/items?${segments.join('&')}`);
        if (response.status === 400) {
          problems += 1;
          expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
          expect(response.body).toMatchObject({ status: 400, type: 'tag:expresskit.dev,2026:invalid-parameter' });
          expect(names.map((name) => name.replace(/\[.*$/, ''))).toContain(response.body.parameter);
          expect(typeof response.body.rule).toBe('string');
        } else {
          expect(response.status).toBe(200);
          expect(response.headers.link).toMatch(/^<http:\/\/127\.0\.0\.1:[0-9]+\/items\?[^<>"\s]*>; rel="first"/);
        }
      }),
      { numRuns: 60 },
    );
    expect(problems).toBeGreaterThan(0);
  });
});
