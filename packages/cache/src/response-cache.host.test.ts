import { expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

/** A handler whose response depends on the origin, like `@expresskit/pagination`'s `Link`. */
function linking(calls: string[]) {
  return (req: Request, res: Response): void => {
    const self = `${req.protocol}://${req.hostname}/links`;
    calls.push(self);
    res.setHeader('link', `<${self}?page=2>; rel="next"`);
    res.json({ self });
  };
}

describe.each(expressMajors)('the effective origin in the cache key, $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('two hosts get separate entries; a forged Host cannot poison the real host’s entry', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    const calls: string[] = [];
    application.get('/links', cache, linking(calls));
    const forged = await request(application).get('/links').set('host', 'evil.example');
    expect(forged.body).toEqual({ self: 'http://evil.example/links' });
    expect(forged.headers['x-cache']).toBe('MISS');
    const real = await request(application).get('/links').set('host', 'shop.example');
    expect(real.headers['x-cache']).toBe('MISS');
    expect(real.body).toEqual({ self: 'http://shop.example/links' });
    expect(real.headers.link).toBe('<http://shop.example/links?page=2>; rel="next"');
    const again = await request(application).get('/links').set('host', 'Shop.Example');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.headers.link).toBe('<http://shop.example/links?page=2>; rel="next"');
    const forgedAgain = await request(application).get('/links').set('host', 'evil.example');
    expect(forgedAgain.headers['x-cache']).toBe('HIT');
    expect(forgedAgain.body).toEqual({ self: 'http://evil.example/links' });
    expect(calls).toEqual(['http://evil.example/links', 'http://shop.example/links']);
  });

  it('X-Forwarded-Host/-Proto count only under trust proxy, as Express computes req.hostname/req.protocol', async () => {
    cache = responseCache({ compress: false });
    const untrusting = express();
    const calls: string[] = [];
    untrusting.get('/links', cache, linking(calls));
    const spoofed = await request(untrusting)
      .get('/links')
      .set('host', 'shop.example')
      .set('x-forwarded-host', 'evil.example')
      .set('x-forwarded-proto', 'https');
    expect(spoofed.body).toEqual({ self: 'http://shop.example/links' });
    const plain = await request(untrusting).get('/links').set('host', 'shop.example');
    expect(plain.headers['x-cache']).toBe('HIT');
    expect(plain.body).toEqual({ self: 'http://shop.example/links' });

    const proxied = express();
    proxied.set('trust proxy', 'loopback');
    proxied.get('/links', cache, linking(calls));
    const viaProxy = (host: string, proto: string) =>
      request(proxied)
        .get('/links')
        .set('host', 'backend:3000')
        .set('x-forwarded-host', host)
        .set('x-forwarded-proto', proto);
    expect((await viaProxy('shop.example', 'https')).body).toEqual({ self: 'https://shop.example/links' });
    expect((await viaProxy('evil.example', 'https')).body).toEqual({ self: 'https://evil.example/links' });
    const sameOrigin = await viaProxy('shop.example', 'http'); // the origin of the first app's entry
    expect(sameOrigin.headers['x-cache']).toBe('HIT');
    expect(sameOrigin.body).toEqual({ self: 'http://shop.example/links' });
    const hit = await viaProxy('shop.example', 'https');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ self: 'https://shop.example/links' });
    expect(calls).toEqual(['http://shop.example/links', 'https://shop.example/links', 'https://evil.example/links']);
  });

  it('invalidate({ keys }) and a path prefix remove the entries of every host', async () => {
    cache = responseCache({ compress: false });
    const application = express();
    const calls: string[] = [];
    application.get('/links', cache, linking(calls));
    const get = (host: string) => request(application).get('/links').set('host', host);
    await get('a.example');
    await get('b.example');
    expect((await get('a.example')).headers['x-cache']).toBe('HIT');
    await cache.invalidate({ keys: ['GET /links'] });
    expect((await get('a.example')).headers['x-cache']).toBe('MISS');
    expect((await get('b.example')).headers['x-cache']).toBe('MISS');
    await cache.invalidate({ prefix: '/links' });
    expect((await get('a.example')).headers['x-cache']).toBe('MISS');
    expect((await get('b.example')).headers['x-cache']).toBe('MISS');
    await cache.invalidate({ keys: ['GET /links http://a.example'] });
    expect((await get('a.example')).headers['x-cache']).toBe('MISS');
    expect((await get('b.example')).headers['x-cache']).toBe('HIT');
    expect(calls).toHaveLength(7);
  });

  it('host: false shares one entry between hosts (only for host-independent responses)', async () => {
    cache = responseCache({ compress: false, host: false });
    const application = express();
    const calls: string[] = [];
    application.get('/links', cache, linking(calls));
    application.get('/own', cache.with({ host: true }), linking(calls));
    await request(application).get('/links').set('host', 'a.example');
    const shared = await request(application).get('/links').set('host', 'b.example');
    expect(shared.headers['x-cache']).toBe('HIT');
    expect(shared.body).toEqual({ self: 'http://a.example/links' });
    await request(application).get('/own').set('host', 'a.example');
    expect((await request(application).get('/own').set('host', 'b.example')).headers['x-cache']).toBe('MISS');
    expect(calls).toEqual(['http://a.example/links', 'http://a.example/links', 'http://b.example/links']);
  });
});
