import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG } from './payload.js';
import { SERVERS, type ServerName } from './servers/index.js';
import type { BenchServer } from './servers/types.js';

// The paginated scenarios: the contenders send the same page, links and headers (the links differ
// only by each library's page-size parameter name), and the full stack sends what bare Express does.

const open: BenchServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

async function start(name: ServerName): Promise<BenchServer> {
  const server = await SERVERS[name]({});
  open.push(server);
  return server;
}

const get = (server: BenchServer, path: string) =>
  request(server.handler).get(path).set('Accept-Encoding', 'identity').set('Host', 'bench.test');

function expectedPage(sizeParam: string) {
  const at = (page: number) => `http://bench.test/products?page=${page}&${sizeParam}=20`;
  return {
    link: `<${at(1)}>; rel="first", <${at(1)}>; rel="prev", <${at(3)}>; rel="next", <${at(50)}>; rel="last"`,
    body: {
      data: CATALOG.slice(20, 40),
      pagination: { page: 2, per_page: 20, offset: 20, has_more: true, total: 1000, total_pages: 50 },
      links: { self: at(2), first: at(1), prev: at(1), next: at(3), last: at(50) },
    },
  };
}

describe('pagination: page 2 of 1,000 products, 20 per page', () => {
  it.each([
    ['pagination/ours', '/products?page=2&per_page=20', 'per_page'],
    ['pagination/express-paginate', '/products?page=2&limit=20', 'limit'],
    ['full-stack/express', '/products?page=2&per_page=20', 'per_page'],
  ] as const)('%s', async (name, path, sizeParam) => {
    const response = await get(await start(name), path);
    const { link, body } = expectedPage(sizeParam);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers.link).toBe(link);
    expect(response.headers['x-total-count']).toBe('1000');
    expect(response.body).toEqual(body);
  });
});

describe('full stack', () => {
  it('sends the bare Express page, from the cache after the first request, with every package at work', async () => {
    const server = await start('full-stack/ours');
    const { link, body } = expectedPage('per_page');
    const miss = await get(server, '/products?page=2&per_page=20');
    expect(miss.status).toBe(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    const hit = await get(server, '/products?page=2&per_page=20');
    expect(hit.status).toBe(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-encoding']).toBeUndefined();
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.headers.etag).toMatch(/^"[0-9a-f]+-[A-Za-z0-9_-]{11}"$/);
    expect(hit.headers.ratelimit).toBe('"bench";r=999999999;t=1');
    expect(hit.headers.link).toBe(link);
    expect(hit.headers['x-total-count']).toBe('1000');
    expect(hit.body).toEqual(body);

    const selected = await get(server, '/products?page=2&per_page=20&fields=id');
    expect(selected.status).toBe(200);
    expect(selected.body.data).toEqual(CATALOG.slice(20, 40).map(({ id }) => ({ id })));

    const live = await get(server, '/health/live');
    expect(live.status).toBe(200);
    const scrape = await get(server, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain(
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/products",http_response_status_code="200"} 3',
    );
  });
});
