import { createServer } from 'node:http';
import { expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { RateLimitInfo } from './options.js';
import { rateLimit } from './rate-limit.js';
import { memoryStore } from './stores/memory.js';

const NOW = 1_700_000_000_000;
const frozen = () => memoryStore({ clock: () => NOW });
const policies = { name: 'p', limit: 3, window: '1h' } as const;

const expected = (remaining: number, key = 'k'): RateLimitInfo => ({
  key,
  cost: 1,
  allowed: true,
  policies: [{ name: 'p', limit: 3, window: 3600, remaining, reset: 1200 * (3 - remaining), violated: false }],
  retryAfter: undefined,
  source: 'store',
});

describe.each(expressMajors)('req.rateLimit (an accessor over the request state) on $name', ({ express }) => {
  it('is the decision, the same object on every read, and no own property of the request', async () => {
    const app = express();
    app.use(rateLimit({ policies, store: frozen(), key: () => 'k' }));
    app.get('/', (req: Request, res: Response) => {
      const first = req.rateLimit;
      const second = req.rateLimit;
      res.json({ info: first, same: first === second, own: Object.hasOwn(req, 'rateLimit') });
    });
    const response = await request(app).get('/');
    expect(response.body).toEqual({ info: expected(2), same: true, own: false });
  });

  it('is undefined on a request no limiter saw, and can be assigned by the application', async () => {
    const app = express();
    app.get('/none', (req: Request, res: Response) => {
      res.json({ info: req.rateLimit ?? null });
    });
    app.use(rateLimit({ policies, store: frozen(), key: () => 'k' }));
    app.use((req: Request, _res: Response, next: NextFunction) => {
      if (req.query.replace === '1') req.rateLimit = { ...expected(9, 'replaced') };
      next();
    });
    app.get('/', (req: Request, res: Response) => {
      res.json({ info: req.rateLimit });
    });
    expect((await request(app).get('/none')).body).toEqual({ info: null });
    expect((await request(app).get('/?replace=1')).body).toEqual({ info: expected(9, 'replaced') });
    expect((await request(app).get('/')).body).toEqual({ info: expected(1) });
  });

  it('two limiters: the last one to decide wins; a limiter mounted twice counts once', async () => {
    const app = express();
    const first = rateLimit({ policies, store: frozen(), key: () => 'first' });
    const second = rateLimit({ policies, store: frozen(), key: () => 'second' });
    app.use(first, second, first, second);
    app.get('/', (req: Request, res: Response) => {
      res.json({ key: req.rateLimit?.key, remaining: req.rateLimit?.policies[0]?.remaining });
    });
    expect((await request(app).get('/')).body).toEqual({ key: 'second', remaining: 2 });
    expect((await request(app).get('/')).body).toEqual({ key: 'second', remaining: 1 });
  });

  it('is visible to the parent app after a mounted sub-app with the limiter falls through', async () => {
    const sub = express();
    sub.use(rateLimit({ policies, store: frozen(), key: () => 'k' }));
    const app = express();
    app.use('/api', sub);
    app.get('/api/items', (req: Request, res: Response) => {
      res.json({ info: req.rateLimit ?? null });
    });
    expect((await request(app).get('/api/items')).body).toEqual({ info: expected(2) });
  });

  it('onLimit gets the object that req.rateLimit returns', async () => {
    const app = express();
    app.use(
      rateLimit({
        policies: { name: 'p', limit: 1, window: '1h' },
        store: frozen(),
        key: () => 'k',
        onLimit: (req, res, _next, info) => {
          res.status(429).json({ same: req.rateLimit === info, retryAfter: info.retryAfter });
        },
      }),
    );
    app.get('/', (_req: Request, res: Response) => {
      res.send('ok');
    });
    expect((await request(app).get('/')).text).toBe('ok');
    const limited = await request(app).get('/');
    expect([limited.status, limited.body]).toEqual([429, { same: true, retryAfter: 3600 }]);
  });
});

describe('a request that is not an Express request (node:http)', () => {
  it('gets req.rateLimit as an own property, as before', async () => {
    const limiter = rateLimit({ policies, store: frozen(), key: () => 'k' });
    const server = createServer((req, res) => {
      const next = () => {
        const info = (req as unknown as Request).rateLimit;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ info, own: Object.hasOwn(req, 'rateLimit') }));
      };
      limiter(req as unknown as Request, res as unknown as Response, next);
    });
    const response = await request(server).get('/');
    expect([response.status, response.headers.ratelimit]).toEqual([200, '"p";r=2;t=1200']);
    expect(response.body).toEqual({ info: expected(2), own: true });
  });
});
