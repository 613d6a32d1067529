import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

describe.each(expressMajors)('one cache mounted twice on a request path, $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('app.use(cache) and cache.with() on the route: no deadlock, the route options decide what is stored', async () => {
    const now = 8_000_000;
    cache = responseCache({ compress: false, ttl: '1m', now: () => now });
    const application = express();
    application.use(cache);
    let calls = 0;
    application.get('/twice', cache.with({ ttl: '5m', tags: ['twice'] }), (_req, res) => {
      calls++;
      res.send(`t${calls}`);
    });
    application.get('/once', (_req, res) => {
      res.send('once');
    });
    const miss = await request(application).get('/twice').timeout(10_000);
    expect(miss.status).toBe(200);
    expect(miss.text).toBe('t1');
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['cache-control']).toBe('public, max-age=0, s-maxage=300');
    const hit = await request(application).get('/twice').timeout(10_000);
    expect(hit.text).toBe('t1');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-status']).toBe('expresskit; hit; ttl=300');
    await cache.invalidate({ tags: ['twice'] });
    const after = await request(application).get('/twice').timeout(10_000);
    expect(after.text).toBe('t2');
    expect(after.headers['x-cache']).toBe('MISS');
    const once = await request(application).get('/once').timeout(10_000);
    expect(once.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
    expect(calls).toBe(2);
  });

  it('background revalidation through both mounts refreshes the entry (injected clock)', async () => {
    let now = 9_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleWhileRevalidate: '1m', now: () => now });
    const application = express();
    application.use(cache);
    let calls = 0;
    application.get('/swr-twice', cache.with({ ttl: '10s', staleWhileRevalidate: '1m' }), (_req, res) => {
      calls++;
      res.send(`s${calls}`);
    });
    expect((await request(application).get('/swr-twice')).text).toBe('s1');
    now += 20_000;
    expect((await request(application).get('/swr-twice')).headers['x-cache']).toBe('STALE');
    const deadline = Date.now() + 10_000;
    let fresh = await request(application).get('/swr-twice');
    while (fresh.headers['x-cache'] !== 'HIT' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fresh = await request(application).get('/swr-twice');
    }
    expect(fresh.text).toBe('s2');
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(calls).toBe(2);
  });
});

describe.each(expressMajors)('res.cacheTags() on the response prototype, $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('is no own property of a response, reaches mounted sub-apps, and its tags invalidate', async () => {
    cache = responseCache({ compress: false, ttl: '1m' });
    const application = express();
    const sub = express();
    application.use(cache);
    application.use('/sub', sub);
    const own: boolean[] = [];
    let calls = 0;
    sub.get('/item/:id', (req, res) => {
      calls++;
      own.push(Object.hasOwn(res, 'cacheTags'));
      res.cacheTags(`item:${req.params.id}`).send(`v${calls}`);
    });
    expect((await request(application).get('/sub/item/1')).text).toBe('v1');
    expect((await request(application).get('/sub/item/2')).text).toBe('v2');
    const hit = await request(application).get('/sub/item/1');
    expect(hit.text).toBe('v1');
    expect(hit.headers['x-cache']).toBe('HIT');
    await cache.invalidate({ tags: ['item:1'] });
    expect((await request(application).get('/sub/item/1')).text).toBe('v3');
    expect((await request(application).get('/sub/item/2')).headers['x-cache']).toBe('HIT');
    expect(own).toEqual([false, false, false]);
  });
});
