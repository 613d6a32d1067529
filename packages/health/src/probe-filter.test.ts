import { expressMajors } from '@expresskit/testing';
import type { Request } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthOptions, type HealthRouter, health } from './health.js';

const routers: HealthRouter[] = [];
afterEach(() => {
  for (const router of routers.splice(0)) router.close();
});

function probes(options: HealthOptions = {}): HealthRouter {
  const router = health({ started: true, ...options });
  routers.push(router);
  return router;
}

/**
 * The probes' router sends a request whose path cannot be a probe straight to `next()`; these
 * tests show that what reaches the rest of the app, and what the probes answer, is what the
 * router itself would give.
 */
describe.each(expressMajors)('health() probe filter on $name', ({ express }) => {
  it('leaves other requests untouched: same url, baseUrl, params and query downstream', async () => {
    const app = express();
    app.use(probes());
    app.get('/products/:id', (req: Request, res) => {
      res.json({
        url: req.url,
        originalUrl: req.originalUrl,
        baseUrl: req.baseUrl,
        params: req.params,
        q: req.query.q,
      });
    });
    const response = await request(app).get('/products/7?q=a').expect(200);
    expect(response.body).toEqual({
      url: '/products/7?q=a',
      originalUrl: '/products/7?q=a',
      baseUrl: '',
      params: { id: '7' },
      q: 'a',
    });
  });

  it('answers the probes with a trailing slash, another case, a query or a fragment-like suffix as Express routes would', async () => {
    const app = express();
    app.use(probes());
    app.use((_req, res) => {
      res.status(404).send('app');
    });
    for (const path of ['/health/live', '/health/live/', '/HEALTH/Live', '/health/ready?x=1', '/health/startup/?']) {
      const response = await request(app).get(path);
      expect([path, response.status, response.text]).toEqual([path, 200, '{"status":"pass"}']);
    }
    for (const path of ['/health/liv', '/health/lives', '/health/live//', '/health', '/healthy/live']) {
      const response = await request(app).get(path);
      expect([path, response.status, response.text]).toEqual([path, 404, 'app']);
    }
  });

  it('still routes layers the user adds to the probes router, whatever their path length', async () => {
    const router = probes();
    router.get('/version', (_req, res) => {
      res.send('1.2.3');
    });
    const app = express();
    app.use(router);
    expect((await request(app).get('/version').expect(200)).text).toBe('1.2.3');
    expect((await request(app).get('/health/live').expect(200)).text).toBe('{"status":"pass"}');
    expect(router.stack.length).toBe(4);
  });

  it('routes every request through the router when a path is a pattern', async () => {
    const app = express();
    app.use(probes({ paths: { live: '/live/:component' } }));
    app.use((_req, res) => {
      res.status(404).send('app');
    });
    expect((await request(app).get('/live/anything-at-all').expect(200)).text).toBe('{"status":"pass"}');
    expect((await request(app).get('/products').expect(404)).text).toBe('app');
  });

  it('mounted under a prefix, judges the path below the mount point', async () => {
    const app = express();
    app.use('/ops', probes());
    app.use((req, res) => {
      res.status(404).send(req.url);
    });
    expect((await request(app).get('/ops/health/ready').expect(200)).text).toBe('{"status":"pass"}');
    expect((await request(app).get('/ops/other').expect(404)).text).toBe('/ops/other');
    expect((await request(app).get('/health/ready').expect(404)).text).toBe('/health/ready');
  });
});
