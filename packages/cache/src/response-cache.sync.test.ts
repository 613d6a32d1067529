import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { expressMajors } from '@expresskit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';
import type { CacheStore } from './store.js';
import { memoryStore } from './stores/memory.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function raw(server: Server, method: string, path: string, headers: Record<string, string>): Promise<Raw> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject)
      .end();
  });
}

/** A memory store behind plain async methods: the cache cannot read it synchronously. */
function asyncOnly(store: CacheStore): CacheStore {
  return {
    name: 'memory',
    get: (key) => store.get(key),
    set: (key, entry, retentionMs) => store.set(key, entry, retentionMs),
    delete: (keys) => store.delete(keys),
    invalidateTags: (tags) => store.invalidateTags(tags),
    deletePrefix: (prefix) => store.deletePrefix(prefix),
    clear: () => store.clear(),
    close: () => store.close(),
  };
}

const BODY = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` })));
const T0 = Date.UTC(2026, 0, 1);

/** The requests both paths answer, in order (the first stores the entries). */
const REQUESTS: readonly [string, string, Record<string, string>][] = [
  ['GET', '/list', { 'accept-encoding': 'identity' }],
  ['GET', '/list', { 'accept-encoding': 'identity' }],
  ['GET', '/list', { 'accept-encoding': 'gzip' }],
  ['GET', '/list', { 'accept-encoding': 'gzip' }],
  ['HEAD', '/list', {}],
  ['GET', '/list?b=2&a=1', {}],
  ['GET', '/list?a=1&b=2', {}],
  ['GET', '/hello', { 'accept-language': 'de' }],
  ['GET', '/hello', { 'accept-language': 'de' }],
  ['GET', '/hello', { 'accept-language': 'en' }],
  ['GET', '/hello', { 'accept-language': 'en' }],
];

describe.each(expressMajors)('the synchronous L1 HIT path on $name', ({ express }) => {
  const caches: ResponseCache[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    for (const cache of caches.splice(0)) await cache.close();
  });

  /** An app whose outer middleware records whether the response had ended when `next()` returned. */
  function start(memory: CacheStore | undefined, endedOnReturn: boolean[]): Server {
    // The clock moves 1.5 s per request (not per read: the two paths read it a different number of times).
    let clock = T0;
    const cache = responseCache({ ttl: '5m', now: () => clock, ...(memory ? { memory } : {}) });
    caches.push(cache);
    const application = express();
    application.use((_req, res, next) => {
      clock += 1500;
      res.setHeader('X-Before', 'kept');
      next();
      endedOnReturn.push(res.writableEnded);
    });
    application.use(cache);
    application.get('/list', (_req, res) => {
      res.setHeader('X-Handler', 'stored');
      res.type('application/json').send(BODY);
    });
    application.get('/hello', (req, res) => {
      res.vary('Accept-Language').send(req.headers['accept-language'] === 'de' ? 'Hallo' : 'Hello');
    });
    const server = application.listen(0);
    servers.push(server);
    return server;
  }

  /** Everything but Date, which differs between two responses. */
  const comparable = (response: Raw) => {
    const { date: _date, ...headers } = response.headers;
    return { status: response.status, headers, body: response.body.toString('base64') };
  };

  it('sends the same statuses, headers and bytes as the asynchronous path (custom L1), answering within the middleware call', async () => {
    const syncEnded: boolean[] = [];
    const asyncEnded: boolean[] = [];
    const sync = start(undefined, syncEnded);
    const slow = start(asyncOnly(memoryStore()), asyncEnded);
    const fromSync: Raw[] = [];
    const fromAsync: Raw[] = [];
    for (const [method, path, headers] of REQUESTS) {
      fromSync.push(await raw(sync, method, path, headers));
      fromAsync.push(await raw(slow, method, path, headers));
    }
    expect(fromSync.map(comparable)).toEqual(fromAsync.map(comparable));
    expect(fromSync.map((r) => r.headers['x-cache'])).toEqual([
      'MISS',
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'MISS',
      'HIT',
      'MISS',
      'HIT',
      'MISS',
      'HIT',
    ]);
    const hit = fromSync[1] as Raw;
    expect(hit.status).toBe(200);
    expect(hit.body.toString()).toBe(BODY);
    expect(hit.headers['x-before']).toBe('kept');
    expect(hit.headers['x-handler']).toBe('stored');
    expect(hit.headers['content-length']).toBe(String(Buffer.byteLength(BODY)));
    expect(hit.headers['cache-status']).toBe('expresskit; hit; ttl=298');
    expect(hit.headers.age).toBe('1');
    expect(gunzipSync((fromSync[3] as Raw).body).toString()).toBe(BODY);
    expect((fromSync[4] as Raw).body.length).toBe(0);
    expect((fromSync[8] as Raw).body.toString()).toBe('Hallo');
    expect((fromSync[10] as Raw).body.toString()).toBe('Hello');
    // HITs from a memoryStore L1 with the variant at hand end before next() returns; the first
    // gzip HIT compresses first (asynchronous), the later one is synchronous. Misses never are.
    expect(syncEnded).toEqual([false, true, false, true, true, false, true, false, true, false, true]);
    expect(asyncEnded).toEqual(Array(REQUESTS.length).fill(false));
  });

  it('answers 304 and 412 the same way on both paths', async () => {
    const sync = start(undefined, []);
    const slow = start(asyncOnly(memoryStore()), []);
    const stored = await raw(sync, 'GET', '/list', {});
    await raw(slow, 'GET', '/list', {});
    const tag = stored.headers.etag ?? '';
    const cases: Record<string, string>[] = [
      { 'if-none-match': tag },
      { 'if-none-match': `"other", ${tag}` },
      { 'if-none-match': '"other"' },
      { 'if-match': '"other"' },
      { 'if-match': tag },
    ];
    const statuses: number[] = [];
    for (const headers of cases) {
      const a = await raw(sync, 'GET', '/list', headers);
      const b = await raw(slow, 'GET', '/list', headers);
      expect(comparable(a)).toEqual(comparable(b));
      statuses.push(a.status);
    }
    expect(statuses).toEqual([304, 304, 200, 412, 200]);
    const failed = await raw(sync, 'GET', '/list', { 'if-match': '"other"' });
    expect(failed.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(failed.body.toString())).toMatchObject({ status: 412, title: 'Precondition Failed' });
    const notModified = await raw(sync, 'GET', '/list', { 'if-none-match': tag });
    expect(notModified.headers.etag).toBe(tag);
    expect(notModified.headers['x-cache']).toBe('HIT');
    expect(notModified.headers['x-handler']).toBeUndefined();
    expect(notModified.headers['content-length']).toBeUndefined();
  });

  it('a failing custom key on the synchronous front goes to the error handler (next(err))', async () => {
    const cache = responseCache({
      key: () => {
        throw new Error('no key');
      },
    });
    caches.push(cache);
    const application = express();
    application.get('/x', cache, (_req, res) => {
      res.send('x');
    });
    application.use(
      (error: Error, _req: unknown, res: { status(code: number): { send(body: string): void } }, _next: unknown) => {
        res.status(500).send(`handled: ${error.message}`);
      },
    );
    const server = application.listen(0);
    servers.push(server);
    const response = await raw(server, 'GET', '/x', {});
    expect(response.status).toBe(500);
    expect(response.body.toString()).toBe('handled: no key');
  });
});
