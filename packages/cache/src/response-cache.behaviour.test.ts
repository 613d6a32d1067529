import { type CacheEvent, CHANNELS, subscribe } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

describe.each(expressMajors)('responseCache behaviour on $name', ({ express }) => {
  let cache: ResponseCache;
  let unsubscribe: (() => void) | undefined;
  afterEach(async () => {
    unsubscribe?.();
    unsubscribe = undefined;
    await cache?.close();
  });

  it('runs the handler once for 100 concurrent misses of one key (singleflight)', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    let calls = 0;
    let arrived = 0;
    application.use((_req, _res, next) => {
      arrived++;
      next();
    });
    application.get('/slow', cache, async (_req, res) => {
      calls++;
      // Hold the one handler call until all 100 requests are inside the cache: they are truly concurrent.
      for (let i = 0; i < 1_000 && arrived < 100; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      res.json({ calls, arrived });
    });
    const server = application.listen(0);
    try {
      const responses = await Promise.all(Array.from({ length: 100 }, () => request(server).get('/slow')));
      expect(calls).toBe(1);
      expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(new Set(responses.map((r) => r.text))).toEqual(new Set(['{"calls":1,"arrived":100}']));
      const statuses = responses.map((r) => r.headers['cache-status']).sort();
      expect(statuses.filter((s) => s === 'expresskit; fwd=miss; stored')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'expresskit; fwd=miss; collapsed')).toHaveLength(99);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('does not hand a waiting request the variant of another Vary value', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    let calls = 0;
    let arrived = 0;
    application.use((_req, _res, next) => {
      arrived++;
      next();
    });
    application.get('/hello', cache, async (req, res) => {
      calls++;
      for (let i = 0; i < 1_000 && arrived < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      res.vary('Accept-Language').send(req.headers['accept-language'] === 'de' ? 'Hallo' : 'Hello');
    });
    const server = application.listen(0);
    try {
      const responses = await Promise.all(
        ['de', 'en', 'de', 'en'].map((language) => request(server).get('/hello').set('Accept-Language', language)),
      );
      expect(responses.map((r) => r.text)).toEqual(['Hallo', 'Hello', 'Hallo', 'Hello']);
      expect(calls).toBe(2);
      const again = await Promise.all(
        ['de', 'en'].map((language) => request(server).get('/hello').set('Accept-Language', language)),
      );
      expect(again.map((r) => [r.text, r.headers['x-cache']])).toEqual([
        ['Hallo', 'HIT'],
        ['Hello', 'HIT'],
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves stale while revalidating once in the background (injected clock)', async () => {
    let now = 1_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleWhileRevalidate: '30s', now: () => now });
    const application = express();
    let version = 0;
    application.get('/swr', cache, (_req, res) => {
      version++;
      res.send(`v${version}`);
    });
    expect((await request(application).get('/swr')).text).toBe('v1');
    now += 15_000;
    const stale = await request(application).get('/swr');
    expect(stale.text).toBe('v1');
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.headers['cache-status']).toBe('expresskit; hit; ttl=-5; fwd=stale');
    expect(stale.headers.age).toBe('15');
    expect(stale.headers['cache-control']).toBe('public, max-age=0, s-maxage=10, stale-while-revalidate=30');
    const again = await request(application).get('/swr');
    expect(['v1', 'v2']).toContain(again.text);
    for (let i = 0; i < 200 && version < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(version).toBe(2);
    const fresh = await request(application).get('/swr');
    expect(fresh.text).toBe('v2');
    expect(fresh.headers['x-cache']).toBe('HIT');
    now += 41_000;
    const expired = await request(application).get('/swr');
    expect(expired.text).toBe('v3');
    expect(expired.headers['x-cache']).toBe('MISS');
  });

  it('revalidates in the background through a sub-app and a router, with the same request headers', async () => {
    let now = 2_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleWhileRevalidate: '1m', now: () => now });
    const app = express();
    const api = express();
    const router = express.Router();
    const seen: string[] = [];
    router.get('/items', cache, (req, res) => {
      seen.push(`${req.originalUrl} ${req.get('x-tenant')}`);
      res.send(`items ${seen.length}`);
    });
    api.use('/v1', router);
    app.use('/api', api);
    expect((await request(app).get('/api/v1/items?b=1&a=2').set('X-Tenant', 't1')).text).toBe('items 1');
    now += 20_000;
    const stale = await request(app).get('/api/v1/items?a=2&b=1').set('X-Tenant', 't1');
    expect(stale.text).toBe('items 1');
    expect(stale.headers['x-cache']).toBe('STALE');
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual(['/api/v1/items?b=1&a=2 t1', '/api/v1/items?a=2&b=1 t1']);
    const fresh = await request(app).get('/api/v1/items?a=2&b=1');
    expect(fresh.text).toBe('items 2');
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(fresh.headers['cache-status']).toBe('expresskit; hit; ttl=10');
  });

  it('serves stale when the handler throws or answers 5xx inside stale-if-error (injected clock)', async () => {
    let now = 5_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleIfError: '1m', now: () => now });
    const application = express();
    let mode: 'ok' | 'throw' | '503' = 'ok';
    application.get('/sie', cache, (_req, res) => {
      if (mode === 'throw') throw new Error('database down');
      if (mode === '503') {
        res.status(503).send('busy');
        return;
      }
      res.send('good');
    });
    expect((await request(application).get('/sie')).text).toBe('good');
    now += 20_000;
    mode = 'throw';
    const thrown = await request(application).get('/sie');
    expect(thrown.status).toBe(200);
    expect(thrown.text).toBe('good');
    expect(thrown.headers['x-cache']).toBe('STALE');
    expect(thrown.headers['cache-status']).toBe('expresskit; fwd=stale; fwd-status=500; detail=stale-if-error');
    mode = '503';
    const busy = await request(application).get('/sie');
    expect(busy.text).toBe('good');
    expect(busy.headers['cache-status']).toBe('expresskit; fwd=stale; fwd-status=503; detail=stale-if-error');
    now += 60_000;
    const tooOld = await request(application).get('/sie');
    expect(tooOld.status).toBe(503);
    expect(tooOld.text).toBe('busy');
  });

  it('invalidates by tag (res.cacheTags and the tags option), key and path prefix', async () => {
    cache = responseCache({ compress: false, tags: ['catalog'] });
    const application = express();
    let calls = 0;
    application.use(cache);
    application.get('/products/:id', (req, res) => {
      calls++;
      res.cacheTags(`product:${req.params.id}`).json({ id: req.params.id });
    });
    const hits = async (path: string) => (await request(application).get(path)).headers['x-cache'];
    await hits('/products/1');
    await hits('/products/2');
    expect(await hits('/products/1')).toBe('HIT');
    await cache.invalidate({ tags: ['product:1'] });
    expect(await hits('/products/1')).toBe('MISS');
    expect(await hits('/products/2')).toBe('HIT');
    await cache.invalidate({ tags: ['catalog'] });
    expect(await hits('/products/2')).toBe('MISS');
    await cache.invalidate({ keys: ['GET /products/2'] });
    expect(await hits('/products/2')).toBe('MISS');
    await cache.invalidate({ prefix: '/products' });
    expect(await hits('/products/1')).toBe('MISS');
    expect(await hits('/products/2')).toBe('MISS');
    await cache.invalidate({ all: true });
    expect(await hits('/products/1')).toBe('MISS');
    expect(calls).toBe(8);
  });

  it('does not store a response whose handler ran across an invalidation of its tags', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    let release: () => void = () => {};
    let started: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => {
      started = resolve;
    });
    let calls = 0;
    application.get('/race', cache, async (_req, res) => {
      calls++;
      if (calls === 1) {
        started();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      res.cacheTags('race').send(`v${calls}`);
    });
    const first = request(application)
      .get('/race')
      .then((r) => r);
    await inHandler;
    await cache.invalidate({ tags: ['race'] });
    release();
    const response = await first;
    expect(response.text).toBe('v1');
    expect(response.headers['cache-status']).toBe('expresskit; fwd=miss; detail=invalidated');
    const next = await request(application).get('/race');
    expect(next.text).toBe('v2');
    expect(next.headers['x-cache']).toBe('MISS');
    expect((await request(application).get('/race')).headers['x-cache']).toBe('HIT');
  });

  it('a successful unsafe request invalidates its path and Location, a failed one does not', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    application.use(cache);
    let version = 0;
    application.get('/items/:id', (req, res) => {
      res.send(`${req.params.id}@${version}`);
    });
    application.get('/items', (_req, res) => {
      res.send(`list@${version}`);
    });
    application.put('/items/:id', (req, res) => {
      if (req.query.fail) {
        res.status(409).end();
        return;
      }
      version++;
      res.status(204).end();
    });
    application.post('/items', (_req, res) => {
      version++;
      res.status(201).location('/items').end();
    });
    await request(application).get('/items/1');
    await request(application).get('/items');
    await request(application).put('/items/1?fail=1');
    expect((await request(application).get('/items/1')).headers['x-cache']).toBe('HIT');
    const put = await request(application).put('/items/1');
    expect(put.headers['x-cache']).toBe('BYPASS');
    expect(put.headers['cache-status']).toBe('expresskit; fwd=method; detail=method');
    const after = await request(application).get('/items/1');
    expect(after.text).toBe('1@1');
    expect(after.headers['x-cache']).toBe('MISS');
    expect((await request(application).get('/items')).text).toBe('list@0');
    await request(application).post('/items');
    expect((await request(application).get('/items')).text).toBe('list@2');
  });

  it('publishes hit, miss, store, bypass and invalidate events with the route', async () => {
    const events: CacheEvent[] = [];
    unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
    cache = responseCache({ compress: false });
    const application = express();
    application.get('/e/:id', cache, (_req, res) => {
      res.send('e');
    });
    await request(application).get('/e/1');
    await request(application).get('/e/1');
    await request(application).get('/e/1').set('Authorization', 'Bearer x');
    await cache.invalidate({ tags: ['t'] });
    expect(events).toEqual([
      { type: 'miss', route: '/e/:id' },
      { type: 'store', route: '/e/:id' },
      { type: 'hit', route: '/e/:id' },
      { type: 'bypass', route: '/e/:id', reason: 'authorization' },
      { type: 'invalidate', tags: ['t'], remote: false },
    ]);
  });
});
