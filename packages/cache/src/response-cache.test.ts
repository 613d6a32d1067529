import { expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

describe.each(expressMajors)('responseCache on $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  function app(handler: (req: Request, res: Response) => void, options: Parameters<typeof responseCache>[0] = {}) {
    cache = responseCache({ compress: false, ...options });
    const application = express();
    let calls = 0;
    application.use(cache);
    application.use((req, res) => {
      calls++;
      handler(req, res);
    });
    return { application, calls: () => calls };
  }

  it('stores a GET on a miss and serves it from the cache with exact headers', async () => {
    // A clock of the test's own: the hit comes 500 ms after the store, however busy the machine.
    let clock = 1_700_000_000_000;
    const { application, calls } = app(
      (_req, res) => {
        res.json({ id: 42 });
      },
      { now: () => clock },
    );
    const miss = await request(application).get('/products/42');
    clock += 500;
    expect(miss.status).toBe(200);
    expect(miss.body).toEqual({ id: 42 });
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['cache-status']).toBe('expresskit; fwd=miss; stored');
    expect(miss.headers.etag).toBe('"9-UUqb6-yWcvM"');
    expect(miss.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
    expect(miss.headers['content-length']).toBe('9');
    expect(miss.headers.age).toBeUndefined();
    const hit = await request(application).get('/products/42');
    expect(hit.status).toBe(200);
    expect(hit.text).toBe('{"id":42}');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-status']).toBe('expresskit; hit; ttl=59');
    expect(hit.headers.age).toBe('0');
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(calls()).toBe(1);
  });

  it('answers 304 from the cache before the handler runs, with only the headers a 304 may carry', async () => {
    const { application, calls } = app((_req, res) => {
      res.set('Last-Modified', 'Tue, 24 Nov 2026 00:00:00 GMT').json({ id: 1 });
    });
    const first = await request(application).get('/a');
    const etag = first.headers.etag;
    expect(first.status).toBe(200);
    const conditional = await request(application).get('/a').set('If-None-Match', `"other", ${etag}`);
    expect(conditional.status).toBe(304);
    expect(conditional.text).toBe('');
    expect(conditional.headers.etag).toBe(etag);
    expect(conditional.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
    expect(conditional.headers['content-type']).toBeUndefined();
    expect(conditional.headers['last-modified']).toBeUndefined();
    expect(conditional.headers['x-cache']).toBe('HIT');
    // RFC 9110 §15.4.5: ETag, Cache-Control, Date (+ Age and the cache's status headers); Express's
    // own X-Powered-By was set before the cache ran. No Content-Type, Content-Length, Last-Modified.
    const allowed = ['age', 'cache-control', 'cache-status', 'connection', 'date', 'etag', 'x-cache', 'x-powered-by'];
    expect(Object.keys(conditional.headers).sort()).toEqual(allowed);
    const byDate = await request(application).get('/a').set('If-Modified-Since', 'Tue, 24 Nov 2026 00:00:00 GMT');
    expect(byDate.status).toBe(304);
    expect(byDate.text).toBe('');
    expect(Object.keys(byDate.headers).sort()).toEqual(allowed);
    const changed = await request(application).get('/a').set('If-None-Match', '"nope"');
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ id: 1 });
    expect(calls()).toBe(1);
  });

  it('answers a first conditional request (a miss) with 304 too, after storing the full response', async () => {
    const { application, calls } = app((_req, res) => {
      res.send('hello');
    });
    const etag = '"5-JseCfYifbaM"';
    const miss = await request(application).get('/h').set('If-None-Match', etag);
    expect(miss.status).toBe(304);
    expect(miss.headers['x-cache']).toBe('MISS');
    const full = await request(application).get('/h');
    expect(full.status).toBe(200);
    expect(full.text).toBe('hello');
    expect(full.headers.etag).toBe(etag);
    expect(calls()).toBe(1);
  });

  it('serves HEAD from the GET entry (and a HEAD miss stores the GET entry)', async () => {
    const methods: string[] = [];
    const { application, calls } = app((req, res) => {
      res.on('finish', () => methods.push(req.method));
      res.type('text/plain').send('body text');
    });
    const head = await request(application).head('/x');
    expect(head.status).toBe(200);
    expect(head.text).toBeUndefined();
    expect(head.headers['content-length']).toBe('9');
    expect(head.headers['x-cache']).toBe('MISS');
    const get = await request(application).get('/x');
    expect(get.text).toBe('body text');
    expect(get.headers['x-cache']).toBe('HIT');
    const head2 = await request(application).head('/x');
    expect(head2.headers['x-cache']).toBe('HIT');
    expect(head2.headers['content-length']).toBe('9');
    expect(calls()).toBe(1);
    expect(methods).toEqual(['HEAD']);
  });

  it('keys on the canonical query: sorted, re-encoded, with allow/deny lists', async () => {
    const { application, calls } = app(
      (req, res) => {
        res.json(req.query);
      },
      { query: { deny: ['utm_source'] } },
    );
    await request(application).get('/q?b=2&a=1');
    const same = await request(application).get('/q?a=%31&b=2&utm_source=mail');
    expect(same.headers['x-cache']).toBe('HIT');
    expect(same.body).toEqual({ a: '1', b: '2' });
    const other = await request(application).get('/q?a=1&b=3');
    expect(other.headers['x-cache']).toBe('MISS');
    expect(calls()).toBe(2);
  });

  it('keys on the request values of the response Vary headers', async () => {
    const { application, calls } = app((req, res) => {
      res.vary('Accept-Language').send(req.headers['accept-language'] === 'de' ? 'Hallo' : 'Hello');
    });
    expect((await request(application).get('/v').set('Accept-Language', 'de')).text).toBe('Hallo');
    expect((await request(application).get('/v').set('Accept-Language', 'en')).text).toBe('Hello');
    const de = await request(application).get('/v').set('Accept-Language', 'de');
    expect(de.text).toBe('Hallo');
    expect(de.headers['x-cache']).toBe('HIT');
    expect(de.headers.vary).toBe('Accept-Language');
    const en = await request(application).get('/v').set('Accept-Language', 'en');
    expect(en.text).toBe('Hello');
    expect(en.headers['x-cache']).toBe('HIT');
    expect(calls()).toBe(2);
  });

  it.each([
    ['Set-Cookie', (res: Response) => res.cookie('session', 'abc').send('x'), 'set-cookie'],
    ['Cache-Control: private', (res: Response) => res.set('Cache-Control', 'private, max-age=60').send('x'), 'private'],
    ['Cache-Control: no-store', (res: Response) => res.set('Cache-Control', 'no-store').send('x'), 'no-store'],
    ['Vary: *', (res: Response) => res.set('Vary', '*').send('x'), 'vary-star'],
    ['a 404', (res: Response) => res.status(404).send('x'), 'status'],
    ['a 500', (res: Response) => res.status(500).send('x'), 'status'],
    ['max-age=0', (res: Response) => res.set('Cache-Control', 'public, max-age=0').send('x'), 'no-lifetime'],
    [
      'an Expires in the past',
      (res: Response) => res.set('Expires', 'Thu, 01 Jan 1970 00:00:00 GMT').send('x'),
      'no-lifetime',
    ],
    ['an invalid Expires', (res: Response) => res.set('Expires', '0').send('x'), 'no-lifetime'],
  ] as const)('never stores a response with %s', async (_name, send, reason) => {
    const { application, calls } = app((_req, res) => {
      send(res);
    });
    const first = await request(application).get('/n');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['cache-status']).toBe(`expresskit; fwd=miss; detail=${reason}`);
    expect(first.text).toBe('x');
    const second = await request(application).get('/n');
    expect(second.headers['x-cache']).toBe('MISS');
    expect(calls()).toBe(2);
  });

  it('stores statuses other than 2xx only when configured', async () => {
    const { application, calls } = app(
      (_req, res) => {
        res.status(404).json({ missing: true });
      },
      { statuses: [200, 404] },
    );
    await request(application).get('/gone');
    const hit = await request(application).get('/gone');
    expect(hit.status).toBe(404);
    expect(hit.body).toEqual({ missing: true });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(calls()).toBe(1);
  });

  it('passes bodies over maxBodyBytes through unstored', async () => {
    const { application, calls } = app(
      (_req, res) => {
        res.write('a'.repeat(60));
        res.end('b'.repeat(60));
      },
      { maxBodyBytes: 100 },
    );
    const first = await request(application).get('/big');
    expect(first.text).toBe('a'.repeat(60) + 'b'.repeat(60));
    expect(first.headers['cache-status']).toBe('expresskit; fwd=miss; detail=too-large');
    await request(application).get('/big');
    expect(calls()).toBe(2);
  });

  it('passes text/event-stream through as it is written, unstored', async () => {
    const { application, calls } = app((_req, res) => {
      res.setHeader('Content-Type', 'text/event-stream');
      res.write('data: 1\n\n');
      res.end('data: 2\n\n');
    });
    const first = await request(application).get('/events');
    expect(first.text).toBe('data: 1\n\ndata: 2\n\n');
    expect(first.headers['cache-status']).toBe('expresskit; fwd=miss; detail=event-stream');
    const second = await request(application).get('/events');
    expect(second.text).toBe('data: 1\n\ndata: 2\n\n');
    expect(calls()).toBe(2);
  });

  it('passes a response that flushes its headers through as it is written, unstored', async () => {
    const { application, calls } = app((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.flushHeaders();
      res.write('a');
      setTimeout(() => res.end('b'), 5).unref();
    });
    const first = await request(application).get('/stream');
    expect(first.text).toBe('ab');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['cache-status']).toBe('expresskit; fwd=miss; detail=streaming');
    expect((await request(application).get('/stream')).text).toBe('ab');
    expect(calls()).toBe(2);
  });

  it('bypasses requests with Authorization unless the route opts in', async () => {
    const { application, calls } = app((_req, res) => {
      res.send('secret');
    });
    const first = await request(application).get('/me').set('Authorization', 'Bearer a');
    expect(first.headers['x-cache']).toBe('BYPASS');
    expect(first.headers['cache-status']).toBe('expresskit; fwd=bypass; detail=authorization');
    await request(application).get('/me').set('Authorization', 'Bearer a');
    expect(calls()).toBe(2);
    const shared = app(
      (_req, res) => {
        res.send('shared');
      },
      { shareAuthorized: true },
    );
    await request(shared.application).get('/me').set('Authorization', 'Bearer a');
    const hit = await request(shared.application).get('/me').set('Authorization', 'Bearer b');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(shared.calls()).toBe(1);
  });

  it('keeps the handler Cache-Control and takes its lifetime from s-maxage', async () => {
    let clock = 1_700_000_000_000;
    const { application } = app(
      (_req, res) => {
        res.set('Cache-Control', 'public, max-age=10, s-maxage=300').send('x');
      },
      { now: () => clock },
    );
    await request(application).get('/cc');
    clock += 1500;
    const hit = await request(application).get('/cc');
    expect(hit.headers['cache-control']).toBe('public, max-age=10, s-maxage=300');
    expect(hit.headers['cache-status']).toBe('expresskit; hit; ttl=298');
  });

  it('does not store headers set by middleware before the cache', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    let n = 0;
    application.use((_req, res, next) => {
      res.setHeader('X-Request-Id', String(++n));
      next();
    });
    application.use(cache);
    application.get('/r', (_req, res) => {
      res.send('r');
    });
    await request(application).get('/r');
    const hit = await request(application).get('/r');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-request-id']).toBe('2');
  });

  it('still answers 304 for a response it did not store, against the handler validators', async () => {
    const { application, calls } = app((_req, res) => {
      res.set('Cache-Control', 'private, max-age=60').set('ETag', '"v7"').send('mine');
    });
    const first = await request(application).get('/private');
    expect(first.status).toBe(200);
    expect(first.headers['cache-status']).toBe('expresskit; fwd=miss; detail=private');
    const again = await request(application).get('/private').set('If-None-Match', '"v7"');
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe('"v7"');
    expect(again.headers['cache-control']).toBe('private, max-age=60');
    expect(again.headers['content-type']).toBeUndefined();
    expect(again.headers['x-cache']).toBe('MISS');
    expect(calls()).toBe(2);
  });
});
