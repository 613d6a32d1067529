import { CHANNELS, PROBLEM_CONTENT_TYPE, type RateLimitEvent, subscribe } from '@expresskit/core';
import { type ExpressFactory, expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitOptions } from './options.js';
import type { Policy } from './policy.js';
import { rateLimit } from './rate-limit.js';
import { memoryStore } from './stores/memory.js';

const TWO_POLICIES = [
  { name: 'second', limit: 10, window: '1s' },
  { name: 'hour', limit: 1000, window: '1h' },
] as const;

function app(express: ExpressFactory, options: RateLimitOptions, status = 200) {
  const server = express();
  server.set('trust proxy', true);
  server.use(rateLimit(options));
  server.get('/', (req: Request, res: Response) => {
    res.status(status).json({ info: req.rateLimit ?? null });
  });
  return server;
}

/** A memory store on a frozen clock: header values are exact. */
function frozen() {
  return memoryStore({ clock: () => 1_700_000_000_000 });
}

let unsubscribe: (() => void) | undefined;
afterEach(() => {
  unsubscribe?.();
  unsubscribe = undefined;
});

describe.each(expressMajors)('rateLimit on $name', ({ express }) => {
  it('sends RateLimit-Policy and RateLimit (draft structured fields) on every response', async () => {
    const server = app(express, { policies: [...TWO_POLICIES], store: frozen() });
    const response = await request(server).get('/');
    expect(response.status).toBe(200);
    expect(response.headers['ratelimit-policy']).toBe('"second";q=10;w=1, "hour";q=1000;w=3600');
    expect(response.headers.ratelimit).toBe('"second";r=9;t=1, "hour";r=999;t=4');
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    expect(response.body.info.policies).toEqual([
      { name: 'second', limit: 10, window: 1, remaining: 9, reset: 1, violated: false },
      { name: 'hour', limit: 1000, window: 3600, remaining: 999, reset: 4, violated: false },
    ]);
  });

  it('answers 429 problem+json with Retry-After (never earlier than t) and violated-policies', async () => {
    const server = app(express, { policies: [...TWO_POLICIES], store: frozen() });
    for (let i = 0; i < 10; i++) expect((await request(server).get('/')).status).toBe(200);
    const response = await request(server).get('/');
    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.headers.ratelimit).toBe('"second";r=0;t=1, "hour";r=990;t=36');
    expect(response.body).toEqual({
      type: 'tag:expresskit.dev,2026:quota-exceeded',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Quota exceeded for "second"; retry in 1 s',
      'violated-policies': ['second'],
    });
  });

  it('a Retry-After of several seconds matches the violated policy', async () => {
    const server = app(express, { policies: { name: 'minute', limit: 2, window: '1m' }, store: frozen() });
    await request(server).get('/');
    await request(server).get('/');
    const response = await request(server).get('/');
    expect([response.status, response.headers['retry-after'], response.headers.ratelimit]).toEqual([
      429,
      '30',
      '"minute";r=0;t=30',
    ]);
  });

  it("headers: 'legacy' sends X-RateLimit-* for the tightest policy", async () => {
    const server = app(express, { policies: [...TWO_POLICIES], store: frozen(), headers: 'legacy' });
    const before = Math.floor(Date.now() / 1000);
    const response = await request(server).get('/');
    expect(response.headers.ratelimit).toBeUndefined();
    expect(response.headers['ratelimit-policy']).toBeUndefined();
    expect(response.headers['x-ratelimit-limit']).toBe('10');
    expect(response.headers['x-ratelimit-remaining']).toBe('9');
    const reset = Number(response.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(before + 1);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
  });

  it("headers: 'both' and false", async () => {
    const both = await request(app(express, { policies: [...TWO_POLICIES], store: frozen(), headers: 'both' })).get(
      '/',
    );
    expect([both.headers.ratelimit, both.headers['x-ratelimit-remaining']]).toEqual([
      '"second";r=9;t=1, "hour";r=999;t=4',
      '9',
    ]);
    const none = await request(app(express, { policies: [...TWO_POLICIES], store: frozen(), headers: false })).get('/');
    expect(Object.keys(none.headers).filter((h) => h.includes('ratelimit'))).toEqual([]);
  });

  it('shadow mode lets limited requests through and reports them', async () => {
    const events: RateLimitEvent[] = [];
    unsubscribe = subscribe(CHANNELS.rateLimit, (event) => events.push(event));
    const server = app(express, {
      policies: { name: 'tiny', limit: 1, window: '1h' },
      store: frozen(),
      mode: 'shadow',
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(server).get('/')).status);
    expect(statuses).toEqual([200, 200, 200]);
    expect(
      events.map((e) => (e.type === 'allowed' || e.type === 'limited' ? [e.type, e.remaining, e.shadow] : e.type)),
    ).toEqual([
      ['allowed', 0, true],
      ['limited', 0, true],
      ['limited', 0, true],
    ]);
    const third = events[2];
    expect(third?.type === 'limited' && [third.policy, third.violated, third.keyHash.length]).toEqual([
      'tiny',
      ['tiny'],
      12,
    ]);
  });

  it('skip: skipped requests are neither limited nor counted', async () => {
    const server = app(express, {
      policies: { name: 'tiny', limit: 1, window: '1h' },
      store: frozen(),
      skip: (req) => req.get('x-internal') === 'yes',
    });
    const skipped = await request(server).get('/').set('x-internal', 'yes');
    expect([skipped.status, skipped.headers.ratelimit]).toEqual([200, undefined]);
    await request(server).get('/').set('x-internal', 'yes');
    const counted = await request(server).get('/');
    expect([counted.status, counted.headers.ratelimit]).toEqual([200, '"tiny";r=0;t=3600']);
  });

  it('cost: a request costs what cost(req) says; a rejected cost-5 request leaves the quota as it was', async () => {
    const server = app(express, {
      policies: { name: 'units', limit: 10, window: '10s' },
      store: frozen(),
      cost: (req) => Number(req.get('x-cost') ?? 1),
    });
    expect((await request(server).get('/').set('x-cost', '7')).headers.ratelimit).toBe('"units";r=3;t=7');
    const rejected = await request(server).get('/').set('x-cost', '5');
    expect([rejected.status, rejected.headers['retry-after'], rejected.headers.ratelimit]).toEqual([
      429,
      '2',
      '"units";r=3;t=2',
    ]);
    expect((await request(server).get('/').set('x-cost', '3')).headers.ratelimit).toBe('"units";r=0;t=10');
  });

  it('a cost above the burst is rejected without a Retry-After', async () => {
    const server = app(express, { policies: { name: 'units', limit: 10, window: '10s' }, store: frozen(), cost: 11 });
    const response = await request(server).get('/');
    expect([response.status, response.headers['retry-after'], response.body['violated-policies']]).toEqual([
      429,
      undefined,
      ['units'],
    ]);
    expect(response.body.detail).toBe('The request costs 11, more than "units" can ever admit at once');
  });

  it('an invalid cost from the request answers 400 invalid-parameter (replaceable with onError)', async () => {
    const options: RateLimitOptions = {
      policies: { name: 'units', limit: 10, window: '10s' },
      store: frozen(),
      cost: (req) => Number(req.get('x-cost')),
    };
    const response = await request(app(express, options)).get('/').set('x-cost', '-2');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.body).toEqual({
      type: 'tag:expresskit.dev,2026:invalid-parameter',
      title: 'Invalid request cost',
      status: 400,
      detail: "The request's rate-limit cost must be a non-negative integer, got -2",
      parameter: 'cost',
      rule: 'non-negative-integer',
    });
    const custom = app(express, {
      ...options,
      onError: (problem, _req, res) => {
        res.status(422).json({ error: problem.extensions.parameter });
      },
    });
    const replaced = await request(custom).get('/').set('x-cost', 'abc');
    expect([replaced.status, replaced.body]).toEqual([422, { error: 'cost' }]);
  });

  it('onLimit replaces the 429 response; the headers are already set', async () => {
    const server = app(express, {
      policies: { name: 'tiny', limit: 1, window: '1h' },
      store: frozen(),
      onLimit: (_req, res, _next, info) => {
        res
          .status(503)
          .json({ wait: info.retryAfter, violated: info.policies.filter((p) => p.violated).map((p) => p.name) });
      },
    });
    await request(server).get('/');
    const response = await request(server).get('/');
    expect([response.status, response.body, response.headers['retry-after'], response.headers.ratelimit]).toEqual([
      503,
      { wait: 3600, violated: ['tiny'] },
      '3600',
      '"tiny";r=0;t=3600',
    ]);
  });

  it("count: 'failed' checks before the handler and charges only failed responses", async () => {
    const store = frozen();
    const policies: Policy = { name: 'logins', limit: 2, window: '1h' };
    const ok = app(express, { policies, store, count: 'failed' }, 200);
    const bad = app(express, { policies, store, count: 'failed' }, 401);
    for (let i = 0; i < 3; i++) expect((await request(ok).get('/')).headers.ratelimit).toBe('"logins";r=1;t=1800');
    expect((await request(bad).get('/')).status).toBe(401);
    await until(async () => (await request(ok).get('/')).headers.ratelimit === '"logins";r=0;t=3600');
    expect((await request(bad).get('/')).status).toBe(401);
    await until(async () => (await request(ok).get('/')).status === 429);
    expect((await request(ok).get('/')).body['violated-policies']).toEqual(['logins']);
  });

  it("count: 'successful' charges only successful responses", async () => {
    const store = frozen();
    const policies: Policy = { name: 'downloads', limit: 1, window: '1h' };
    const bad = app(express, { policies, store, count: 'successful' }, 500);
    const ok = app(express, { policies, store, count: 'successful' }, 200);
    for (let i = 0; i < 3; i++) expect((await request(bad).get('/')).status).toBe(500);
    expect((await request(ok).get('/')).status).toBe(200);
    await until(async () => (await request(ok).get('/')).status === 429);
    expect((await request(bad).get('/')).status).toBe(429);
  });

  it('keys: IPv6 clients are grouped by /56, IPv4-mapped IPv6 counts as IPv4; custom key()', async () => {
    const server = app(express, { policies: { name: 'tiny', limit: 1, window: '1h' }, store: frozen() });
    const from = (ip: string) => request(server).get('/').set('X-Forwarded-For', ip);
    expect((await from('2001:db8:0:1200::1')).status).toBe(200);
    expect((await from('2001:db8:0:12ff:ffff::9')).status).toBe(429);
    expect((await from('2001:db8:0:1300::1')).status).toBe(200);
    expect((await from('192.0.2.7')).status).toBe(200);
    expect((await from('::ffff:192.0.2.7')).status).toBe(429);
    const byUser = app(express, {
      policies: { name: 'tiny', limit: 1, window: '1h' },
      store: frozen(),
      key: (req) => `user:${req.get('x-user') ?? 'anonymous'}`,
    });
    expect((await request(byUser).get('/').set('x-user', 'ada')).body.info.key).toBe('user:ada');
    expect((await request(byUser).get('/').set('x-user', 'ada')).status).toBe(429);
    expect((await request(byUser).get('/').set('x-user', 'bob')).status).toBe(200);
  });

  it('default key: req.ip as trust proxy says, the socket address without X-Forwarded-For, an own req.ip getter', async () => {
    const policies: Policy = { name: 'p', limit: 5, window: '1h' };
    const keyOf = async (server: ReturnType<ExpressFactory>, forwardedFor?: string) => {
      const call = request(server).get('/');
      if (forwardedFor !== undefined) call.set('X-Forwarded-For', forwardedFor);
      return (await call).body.info.key as string;
    };
    const trusting = app(express, { policies, store: frozen() });
    expect(await keyOf(trusting)).toBe('127.0.0.1');
    expect(await keyOf(trusting, '')).toBe('127.0.0.1');
    expect(await keyOf(trusting, '192.0.2.9')).toBe('192.0.2.9');
    expect(await keyOf(trusting, '192.0.2.9, 198.51.100.1')).toBe('192.0.2.9');

    const direct = app(express, { policies, store: frozen() });
    direct.set('trust proxy', false);
    expect(await keyOf(direct, '192.0.2.9')).toBe('127.0.0.1');
    direct.set('trust proxy', 'loopback');
    expect(await keyOf(direct, '192.0.2.9')).toBe('192.0.2.9');

    // An app that defines req.ip itself (here: from a CDN's header) gets its own getter.
    const own = app(express, { policies, store: frozen() });
    Object.defineProperty(own.request, 'ip', {
      configurable: true,
      get(this: Request) {
        return this.get('cf-connecting-ip') ?? 'none';
      },
    });
    expect(await keyOf(own)).toBe('none');
    expect(await keyOf(own)).toBe('none');
    expect((await request(own).get('/').set('CF-Connecting-IP', '203.0.113.5')).body.info.key).toBe('203.0.113.5');
    // …and the apps before it still take the short way to the same answer.
    expect(await keyOf(trusting)).toBe('127.0.0.1');
  });

  it('counts a request once when the same limiter is mounted twice on its path', async () => {
    const limiter = rateLimit({ policies: { name: 'p', limit: 5, window: '1h' }, store: frozen() });
    const server = express();
    server.use(limiter);
    server.get('/', limiter, (_req, res) => {
      res.send('ok');
    });
    expect((await request(server).get('/')).headers.ratelimit).toBe('"p";r=4;t=720');
  });

  it('publishes allowed and limited events with a key hash, never the key', async () => {
    const events: RateLimitEvent[] = [];
    unsubscribe = subscribe(CHANNELS.rateLimit, (event) => events.push(event));
    const server = app(express, { policies: [...TWO_POLICIES], store: frozen(), key: () => 'secret-api-key' });
    for (let i = 0; i < 11; i++) await request(server).get('/');
    expect(events).toHaveLength(11);
    expect(events[0]).toEqual({
      type: 'allowed',
      policy: 'second',
      violated: [],
      keyHash: expect.stringMatching(/^[0-9a-f]{12}$/),
      remaining: 9,
      shadow: false,
    });
    expect(events[10]).toMatchObject({ type: 'limited', policy: 'second', violated: ['second'], remaining: 0 });
    expect(JSON.stringify(events)).not.toContain('secret-api-key');
  });

  it('passes errors thrown by key() to next()', async () => {
    const server = express();
    server.use(
      rateLimit({
        policies: { name: 'p', limit: 5, window: '1h' },
        key: () => {
          throw new Error('lookup failed');
        },
      }),
    );
    server.use((error: Error, _req: Request, res: Response, _next: unknown) => {
      res.status(500).send(error.message);
    });
    const response = await request(server).get('/');
    expect([response.status, response.text]).toEqual([500, 'lookup failed']);
  });
});

/** Polls until the charge made after a response shows (generous deadline: the machine may be loaded). */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
