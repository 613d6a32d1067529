import { sendProblem } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApi, startApi, testClock } from '../testing/harness.js';
import { apiKeys, windowName } from './api-keys.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const KEY = 'key-0123456789abcdef';
const OTHER = 'key-fedcba9876543210';

describe.each(expressMajors)('apiKeys() on $name', ({ express }) => {
  const appWith = (keys: readonly string[]) => {
    const gate = apiKeys(keys);
    const app = express();
    app.use(gate.check);
    app.get('/', (req, res) => {
      res.json({ quotaKey: gate.quotaKey(req) ?? null });
    });
    const problems: ErrorRequestHandler = (error, _req, res, _next) => sendProblem(res, error);
    app.use(problems);
    return app;
  };

  it('gives a known key its own quota key (a digest, never the key itself)', async () => {
    const app = appWith([KEY, OTHER]);
    const one = await request(app).get('/').set('X-Api-Key', KEY);
    const two = await request(app).get('/').set('X-Api-Key', OTHER);
    expect(one.status).toBe(200);
    expect(one.body.quotaKey).toMatch(/^api-key:[A-Za-z0-9_-]{22}$/);
    expect(one.body.quotaKey).not.toContain(KEY);
    expect(two.body.quotaKey).toMatch(/^api-key:/);
    expect(two.body.quotaKey).not.toBe(one.body.quotaKey);
  });

  it('lets a request without a key through with no quota key (per IP)', async () => {
    const res = await request(appWith([KEY])).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ quotaKey: null });
  });

  it.each([['key-0123456789abcdeF'], [''], [`${KEY}, ${KEY}`]])(
    'answers 401 problem details to X-Api-Key %j',
    async (presented) => {
      const res = await request(appWith([KEY]))
        .get('/')
        .set('X-Api-Key', presented);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.headers['www-authenticate']).toBe('ApiKey header="X-Api-Key"');
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Invalid API key',
        status: 401,
        detail: 'The X-Api-Key header does not carry a valid API key',
        parameter: 'X-Api-Key',
      });
    },
  );

  it('ignores the header when no keys are configured', async () => {
    const res = await request(appWith([])).get('/').set('X-Api-Key', KEY);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ quotaKey: null });
  });
});

describe('windowName', () => {
  it.each([
    [1, 'per-second'],
    [60, 'per-minute'],
    [3600, 'per-hour'],
    [86_400, 'per-day'],
    [90, 'per-90s'],
  ])('%i s → %s', (seconds, name) => {
    expect(windowName(seconds)).toBe(name);
  });
});

describe('the app with API_KEYS and RATE_LIMIT_WINDOW', () => {
  let running: RunningApi | undefined;
  afterEach(async () => {
    expect(running?.logged).toEqual([]);
    await running?.close();
    running = undefined;
  });

  it('limits a key and the anonymous IP separately; unknown keys are 401 and use up the IP quota', async () => {
    running = await startApi({ config: { rateLimit: 2, rateLimitWindow: 3600, apiKeys: [KEY] }, now: testClock() });
    const { url } = running;
    // Sent again while the app sheds load (503 from underPressure before the limiter, on an
    // overloaded test machine): a shed request uses no quota, so the sequence stays exact.
    const get = async (key?: string): Promise<request.Response> => {
      for (let attempt = 1; ; attempt++) {
        const req = request(url).get('/categories');
        const res = await (key === undefined ? req : req.set('X-Api-Key', key));
        if (res.status !== 503 || attempt === 20) return res;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const keyed = [await get(KEY), await get(KEY), await get(KEY)];
    expect(keyed.map((res) => res.status)).toEqual([200, 200, 429]);
    expect(keyed[0]?.headers['ratelimit-policy']).toBe('"per-hour";q=2;w=3600');
    expect(keyed[0]?.headers.ratelimit).toMatch(/^"per-hour";r=1;t=\d+$/);
    expect(keyed[2]?.headers['retry-after']).toBe('1800'); // the test clock stands still: one unit back every 1800 s
    // The anonymous quota of the same IP is untouched by the key's requests…
    const wrong = await get(OTHER);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.ratelimit).toMatch(/^"per-hour";r=1;t=\d+$/);
    // …but a wrong key counted against it.
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
  });
});
