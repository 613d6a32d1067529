import { CHANNELS, type RateLimitEvent, subscribe } from '@expresskit/core';
import { type ExpressFactory, expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitOptions } from './options.js';
import { compilePolicies } from './policy.js';
import { rateLimit } from './rate-limit.js';
import { memoryStore } from './stores/memory.js';
import type { RateLimitStore } from './stores/store.js';

const NOW = 1_700_000_000_000;
const policies = { name: 'p', limit: 2, window: '1h' } as const;

/** A store answering through the asynchronous interface only (what a network store looks like to the limiter). */
function asyncStore(): RateLimitStore {
  const inner = memoryStore({ clock: () => NOW });
  return {
    name: 'async',
    hit: async (key, list, cost, operation) => {
      await new Promise((resolve) => setImmediate(resolve));
      return inner.hit(key, list, cost, operation);
    },
    close: () => inner.close(),
  };
}

/** Reports (`X-Sync`) whether the handler ran while the limiter was still on the stack (no promise, no microtask). */
function app(express: ExpressFactory, options: RateLimitOptions) {
  const limiter = rateLimit(options);
  const server = express();
  server.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.insideLimiter = true;
    limiter(req, res, next);
    res.locals.insideLimiter = false;
  });
  server.get('/', (_req: Request, res: Response) => {
    res.setHeader('X-Sync', String(res.locals.insideLimiter === true));
    res.json({ ok: true });
  });
  return server;
}

const frozen = () => memoryStore({ clock: () => NOW });

const variants: ReadonlyArray<{ name: string; sync: boolean; options: () => RateLimitOptions }> = [
  { name: 'memory store, default key', sync: true, options: () => ({ policies, store: frozen() }) },
  {
    name: 'memory store, synchronous key()',
    sync: true,
    options: () => ({ policies, store: frozen(), key: () => 'k' }),
  },
  {
    name: 'memory store, key() returning a promise',
    sync: false,
    options: () => ({ policies, store: frozen(), key: async () => 'k' }),
  },
  { name: 'memory store, cost()', sync: false, options: () => ({ policies, store: frozen(), cost: () => 1 }) },
  { name: 'memory store, skip()', sync: false, options: () => ({ policies, store: frozen(), skip: () => false }) },
  { name: 'an asynchronous store', sync: false, options: () => ({ policies, store: asyncStore() }) },
];

let unsubscribe: (() => void) | undefined;
afterEach(() => {
  unsubscribe?.();
  unsubscribe = undefined;
});

describe.each(expressMajors)('the synchronous memory-store path and the asynchronous path on $name', ({ express }) => {
  it.each(variants)('$name: same statuses and headers (sync: $sync)', async ({ sync, options }) => {
    const server = app(express, options());
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await request(server).get('/'));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(responses.map((r) => r.headers.ratelimit)).toEqual(['"p";r=1;t=1800', '"p";r=0;t=3600', '"p";r=0;t=1800']);
    expect(responses.map((r) => r.headers['ratelimit-policy'])).toEqual(Array(3).fill('"p";q=2;w=3600'));
    expect(responses[2]?.headers['retry-after']).toBe('1800');
    // The 429 is sent by the limiter itself: only the allowed requests show whether next() was synchronous.
    expect(responses.slice(0, 2).map((r) => r.headers['x-sync'])).toEqual([String(sync), String(sync)]);
  });

  it("headers: 'both' on the fast path: the legacy fields for the tightest policy", async () => {
    const server = app(express, {
      policies: [policies, { name: 'q', limit: 5, window: '1h' }],
      store: frozen(),
      headers: 'both',
      key: () => 'k',
    });
    const before = Math.ceil(Date.now() / 1000) + 1800;
    const response = await request(server).get('/');
    const after = Math.ceil(Date.now() / 1000) + 1800;
    expect(response.headers['x-sync']).toBe('true');
    expect(response.headers.ratelimit).toBe('"p";r=1;t=1800, "q";r=4;t=720');
    expect([response.headers['x-ratelimit-limit'], response.headers['x-ratelimit-remaining']]).toEqual(['2', '1']);
    // The reset is wall-clock seconds: the request's second, plus the 1800 s of 'p'.
    expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(before);
    expect(Number(response.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(after);
  });

  it('events: keyHash is computed when read, stable per key, different across keys', async () => {
    const events: RateLimitEvent[] = [];
    unsubscribe = subscribe(CHANNELS.rateLimit, (event) => events.push(event));
    const server = app(express, { policies, store: frozen(), key: (req) => String(req.query.k) });
    for (const k of ['a', 'a', 'b', 'a']) await request(server).get(`/?k=${k}`);
    const hashes = events.map((event) => ('keyHash' in event ? event.keyHash : ''));
    expect(hashes[0]).toMatch(/^[0-9a-f]{12}$/);
    expect([hashes[1] === hashes[0], hashes[2] === hashes[0], hashes[3] === hashes[0]]).toEqual([true, false, true]);
    expect(events.map((event) => event.type === 'allowed' && [event.policy, event.violated, event.remaining])).toEqual([
      ['p', [], 1],
      ['p', [], 0],
      ['p', [], 1],
      false,
    ]);
  });
});

describe('memoryStore: an expired entry', () => {
  it('is reused, not carried over: a consume after full recovery starts from a full quota', async () => {
    let now = 1_000_000;
    const store = memoryStore({ clock: () => now, maxKeys: 2 });
    const [second, hour] = compilePolicies([
      { name: 's', limit: 2, window: '1s' },
      { name: 'h', limit: 3, window: '2s' },
    ]);
    if (!second || !hour) throw new Error('no policy');
    const remaining = async (cost: number, operation: 'consume' | 'peek') =>
      (await store.hit('k', [second, hour], cost, operation)).policies.map((p) => p.remaining);
    expect(await remaining(2, 'consume')).toEqual([0, 1]);
    now += 1_000; // 's' has recovered, 'h' has not: the entry lives on
    expect(await remaining(0, 'peek')).toEqual([2, 2]);
    now += 1_000; // both recovered: the entry has expired
    await store.hit('other', [second], 1, 'consume');
    expect(await remaining(1, 'consume')).toEqual([1, 2]);
    // The other key was not evicted by the reuse (maxKeys 2).
    expect((await store.hit('other', [second], 0, 'peek')).policies[0]?.remaining).toBe(1);
  });
});
