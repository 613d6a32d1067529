import { PROBLEM_CONTENT_TYPE, problemType } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

describe('responseCache configuration errors', () => {
  it.each([
    [
      { ttl: -1 },
      `responseCache: "ttl" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got -1`,
    ],
    [
      { staleWhileRevalidate: 'soon' },
      `responseCache: "staleWhileRevalidate" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got "soon"`,
    ],
    [{ maxBodyBytes: 0 }, 'responseCache: "maxBodyBytes" must be a positive integer, got 0'],
    [{ statuses: [200, 99] }, 'responseCache: "statuses" must be an array of HTTP status codes, got 200,99'],
    [{ query: { allow: 'page' } }, 'responseCache: "query.allow" must be an array of strings, got "page"'],
    [{ tags: 'x' }, 'responseCache: "tags" must be an array of strings, got "x"'],
    [{ key: 'k' }, 'responseCache: "key" must be a function, got "k"'],
    [{ host: 'yes' }, 'responseCache: "host" must be a boolean, got "yes"'],
    [
      { readyTimeout: 'soon' },
      `responseCache: "readyTimeout" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got "soon"`,
    ],
    [
      { compress: { encodings: ['zstd'] } },
      `responseCache: "compress.encodings" must be an array of 'br' and 'gzip', got zstd`,
    ],
    [{ compress: { threshold: -5 } }, 'responseCache: "compress.threshold" must be a non-negative integer, got -5'],
    [{ store: {} }, 'responseCache: "store" must be a CacheStore such as redisStore({ client })'],
    [{ name: 'has space' }, 'responseCache: "name" must be an HTTP token, got "has space"'],
    [{ onError: 1 }, 'responseCache: "onError" must be a function, got 1'],
    [{ memory: false }, 'responseCache: "memory" can only be false when a shared "store" is given'],
    [{ memory: 'lru' }, 'responseCache: "memory" must be false or a CacheStore such as memoryStore({ maxBytes })'],
  ])('%j', (options, message) => {
    expect(() => responseCache(options as never)).toThrow(new TypeError(message));
  });

  it('validates per-route overrides given to with()', () => {
    const cache = responseCache();
    expect(() => cache.with({ maxBodyBytes: -1 })).toThrow(
      new TypeError('responseCache: "maxBodyBytes" must be a positive integer, got -1'),
    );
  });

  it('does not mutate the options object', () => {
    const options = Object.freeze({ ttl: '5m', query: Object.freeze({ deny: Object.freeze(['utm']) }) });
    expect(() => responseCache(options as never)).not.toThrow();
  });
});

describe.each(expressMajors)('responseCache options on $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('with() shares the store but applies its own route options', async () => {
    cache = responseCache({ compress: false, ttl: '1m' });
    const app = express();
    app.get('/short', cache.with({ ttl: '5s', maxAge: '5s' }), (_req, res) => {
      res.send('s');
    });
    app.get('/long', cache, (_req, res) => {
      res.send('l');
    });
    expect((await request(app).get('/short')).headers['cache-control']).toBe('public, max-age=5');
    expect((await request(app).get('/long')).headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
    await cache.invalidate({ prefix: '/' });
    expect((await request(app).get('/short')).headers['x-cache']).toBe('MISS');
  });

  it('cacheControl: false leaves Cache-Control to the handler', async () => {
    cache = responseCache({ compress: false, cacheControl: false });
    const app = express();
    app.get('/n', cache, (_req, res) => {
      res.send('n');
    });
    await request(app).get('/n');
    const hit = await request(app).get('/n');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-control']).toBeUndefined();
  });

  it('a custom key and skip()', async () => {
    cache = responseCache({
      compress: false,
      key: (req) => `tenant:${req.get('x-tenant') ?? '-'}`,
      skip: (req) => req.query.nocache !== undefined,
    });
    const app = express();
    let calls = 0;
    app.get('/k', cache, (req, res) => {
      calls++;
      res.send(String(req.get('x-tenant')));
    });
    await request(app).get('/k').set('X-Tenant', 'a');
    expect((await request(app).get('/k?x=1').set('X-Tenant', 'a')).text).toBe('a');
    expect((await request(app).get('/k').set('X-Tenant', 'b')).text).toBe('b');
    const skipped = await request(app).get('/k?nocache').set('X-Tenant', 'a');
    expect(skipped.headers['cache-status']).toBe('expresskit; fwd=bypass; detail=skip');
    expect(calls).toBe(3);
  });

  it('answers 412 problem+json from the cache when If-Match fails, replaceable with onError', async () => {
    let clock = 1_700_000_000_000;
    cache = responseCache({ compress: false, name: 'edge', now: () => clock });
    const app = express();
    app.get('/r', cache, (_req, res) => {
      res.send('r');
    });
    const first = await request(app).get('/r');
    clock += 250;
    const failed = await request(app).get('/r').set('If-Match', '"other"');
    expect(failed.status).toBe(412);
    expect(failed.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(failed.headers['cache-status']).toBe('edge; hit; ttl=59');
    expect(failed.body).toEqual({
      type: problemType('precondition-failed'),
      title: 'Precondition Failed',
      status: 412,
      detail: "The request's If-Match / If-Unmodified-Since does not match the current representation",
    });
    expect(
      (
        await request(app)
          .get('/r')
          .set('If-Match', first.headers.etag ?? '')
      ).status,
    ).toBe(200);

    const custom = responseCache({
      compress: false,
      onError: (problem, _req, res) => {
        res.status(problem.status).json({ error: problem.title });
      },
    });
    const app2 = express();
    app2.get('/r', custom, (_req, res) => {
      res.send('r');
    });
    await request(app2).get('/r');
    const replaced = await request(app2).get('/r').set('If-Match', '"other"');
    expect(replaced.status).toBe(412);
    expect(replaced.body).toEqual({ error: 'Precondition Failed' });
    await custom.close();
  });

  it('hands an error of a custom key() to the Express error handler, before the route runs', async () => {
    cache = responseCache({
      key: () => {
        throw new Error('no tenant');
      },
    });
    const app = express();
    let ran = false;
    app.get('/k', cache, (_req, res) => {
      ran = true;
      res.send('k');
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: error.message });
    });
    const response = await request(app).get('/k');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'no tenant' });
    expect(ran).toBe(false);
  });
});
