import { type CacheEvent, CHANNELS, subscribe } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

/** Polls `done` every 10 ms for up to 10 s (generous for a loaded machine); returns its last value. */
async function eventually(done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return done();
}

describe.each(expressMajors)('background revalidation and event routes on $name', ({ express }) => {
  let cache: ResponseCache;
  let unsubscribe: (() => void) | undefined;
  afterEach(async () => {
    unsubscribe?.();
    unsubscribe = undefined;
    await cache?.close();
  });

  it('a refresh whose handler fails is reported and does not block the next refresh', async () => {
    const events: CacheEvent[] = [];
    unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
    let now = 5_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleWhileRevalidate: '1m', now: () => now });
    const application = express();
    let calls = 0;
    application.get('/r', cache, (_req, _res, next) => {
      calls++;
      if (calls === 2) next(new Error('refresh failed'));
      else _res.send(`r${calls}`);
    });
    expect((await request(application).get('/r')).text).toBe('r1');
    now += 20_000;
    const stale = await request(application).get('/r');
    expect(stale.text).toBe('r1');
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(await eventually(() => events.some((event) => event.type === 'error'))).toBe(true);
    const errors = events.flatMap((event) =>
      event.type === 'error' ? [`${event.route} ${event.operation}: ${event.error.message}`] : [],
    );
    expect(errors).toEqual(['/r revalidate: refresh failed']);
    expect(calls).toBe(2);
    // The failed refresh released its slot: the next stale hit refreshes again.
    const second = await request(application).get('/r');
    expect(second.text).toBe('r1');
    expect(second.headers['x-cache']).toBe('STALE');
    expect(await eventually(() => calls === 3)).toBe(true);
    let fresh = await request(application).get('/r');
    for (let i = 0; i < 100 && fresh.headers['x-cache'] !== 'HIT'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fresh = await request(application).get('/r');
    }
    expect(fresh.text).toBe('r3');
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(calls).toBe(3);
  });

  it('a refresh answered by middleware in front of the cache (429) does not block the next refresh', async () => {
    let now = 7_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleWhileRevalidate: '1m', now: () => now });
    const application = express();
    let requests = 0;
    application.use((_req, res, next) => {
      requests++;
      if (requests === 3) res.status(429).send('slow down');
      else next();
    });
    let calls = 0;
    application.get('/limited', cache, (_req, res) => {
      calls++;
      res.send(`l${calls}`);
    });
    expect((await request(application).get('/limited')).text).toBe('l1');
    now += 20_000;
    expect((await request(application).get('/limited')).headers['x-cache']).toBe('STALE');
    expect(await eventually(() => requests === 3)).toBe(true);
    expect(calls).toBe(1);
    const again = await request(application).get('/limited');
    expect(again.text).toBe('l1');
    expect(again.headers['x-cache']).toBe('STALE');
    expect(await eventually(() => calls === 2)).toBe(true);
    expect(requests).toBe(5);
  });

  it('the refresh request reports the original client address and protocol', async () => {
    let now = 6_000_000;
    cache = responseCache({ compress: false, ttl: '10s', staleWhileRevalidate: '1m', now: () => now });
    const application = express();
    const seen: string[] = [];
    application.get('/ip', cache, (req, res) => {
      seen.push(`${req.ip} ${req.protocol} ${req.method}`);
      res.send(`ip ${seen.length}`);
    });
    expect((await request(application).get('/ip')).text).toBe('ip 1');
    now += 20_000;
    expect((await request(application).get('/ip')).headers['x-cache']).toBe('STALE');
    expect(await eventually(() => seen.length === 2)).toBe(true);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[0]).toMatch(/^(::ffff:)?127\.0\.0\.1 http GET$|^::1 http GET$/);
  });

  it('labels events with the route template, mount parameters included (mergeParams)', async () => {
    const events: CacheEvent[] = [];
    unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
    cache = responseCache({ compress: false });
    const application = express();
    const org = express.Router({ mergeParams: true });
    org.get('/products/:id', cache, (req, res) => {
      res.send(`${req.params.org}/${req.params.id}`);
    });
    const plain = express.Router();
    plain.get('/items/:id', cache, (req, res) => {
      res.send(`item ${req.params.id}`);
    });
    application.use('/orgs/:org', org);
    application.use('/api', plain);
    expect((await request(application).get('/orgs/acme/products/42')).text).toBe('acme/42');
    expect((await request(application).get('/orgs/initech/products/7')).headers['x-cache']).toBe('MISS');
    expect((await request(application).get('/orgs/acme/products/42')).headers['x-cache']).toBe('HIT');
    expect((await request(application).get('/api/items/3')).text).toBe('item 3');
    expect(events).toEqual([
      { type: 'miss', route: '/orgs/:org/products/:id' },
      { type: 'store', route: '/orgs/:org/products/:id' },
      { type: 'miss', route: '/orgs/:org/products/:id' },
      { type: 'store', route: '/orgs/:org/products/:id' },
      { type: 'hit', route: '/orgs/:org/products/:id' },
      { type: 'miss', route: '/api/items/:id' },
      { type: 'store', route: '/api/items/:id' },
    ]);
  });

  it('joins mount and route path like @expresskit/metrics: `/` under a mount is the mount, no double slashes', async () => {
    const events: CacheEvent[] = [];
    unsubscribe = subscribe(CHANNELS.cache, (event) => events.push(event));
    cache = responseCache({ compress: false });
    const application = express();
    const products = express.Router();
    products.get('/', cache, (_req, res) => {
      res.send('list');
    });
    products.get('/:id', cache, (req, res) => {
      res.send(`product ${req.params.id}`);
    });
    const nested = express.Router();
    nested.get('/', cache, (_req, res) => {
      res.send('v1 root');
    });
    const v1 = express.Router();
    v1.use('/things/', nested);
    application.use('/products', products);
    application.use('/v1', v1);
    application.get('/', cache, (_req, res) => {
      res.send('root');
    });
    expect((await request(application).get('/products')).text).toBe('list');
    expect((await request(application).get('/products/')).headers['x-cache']).toBe('MISS');
    expect((await request(application).get('/products/9')).text).toBe('product 9');
    expect((await request(application).get('/v1/things')).text).toBe('v1 root');
    expect((await request(application).get('/')).text).toBe('root');
    expect(events.map((event) => `${event.type} ${'route' in event ? event.route : ''}`)).toEqual([
      'miss /products',
      'store /products',
      'miss /products',
      'store /products',
      'miss /products/:id',
      'store /products/:id',
      'miss /v1/things',
      'store /v1/things',
      'miss /',
      'store /',
    ]);
  });
});
