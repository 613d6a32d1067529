import { expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { countsBy } from './testing/read.js';

const ok = (_req: Request, res: Response): void => {
  res.send('ok');
};

describe.each(expressMajors)('route templates on $name', ({ express, major }) => {
  let m: Metrics;
  afterEach(() => m.close());

  function appWithMetrics() {
    m = metrics({ defaultMetrics: false });
    const app = express();
    app.use(m.middleware);
    return app;
  }

  it('joins nested routers and app.use prefixes with params into one template', async () => {
    const app = appWithMetrics();
    const users = express.Router();
    users.get('/:id', ok);
    const orgs = express.Router({ mergeParams: true });
    orgs.use('/users', users);
    const api = express.Router();
    api.use('/orgs/:org', orgs);
    app.use('/api/v1', api);

    await request(app).get('/api/v1/orgs/acme/users/42').expect(200, 'ok');
    await request(app).get('/api/v1/orgs/orgs/users/users?x=1').expect(200, 'ok');
    await request(app).get('/api/v1/orgs/a%2Fb/users/7/').expect(200, 'ok');
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '/api/v1/orgs/:org/users/:id': 3 });
  });

  it('gives every request that matched no route one shared label value', async () => {
    const app = appWithMetrics();
    const api = express.Router();
    api.get('/known', ok);
    api.use((_req, _res, next) => next());
    app.use('/api', api);
    app.get('/fallthrough', (_req, _res, next) => next());

    await request(app).get('/api/unknown').expect(404);
    await request(app).get('/wp-login.php').expect(404);
    await request(app).get('/fallthrough').expect(404);
    await request(app).get('/api/known').expect(200);
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '(unmatched)': 3, '/api/known': 1 });
  });

  it('keeps the route of a request whose handler failed', async () => {
    const app = appWithMetrics();
    const router = express.Router();
    router.get('/boom/:id', () => {
      throw new Error('boom');
    });
    app.use('/r/:tenant', router);
    app.use((_err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).send('failed');
    });

    await request(app).get('/r/t1/boom/9').expect(500, 'failed');
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '/r/:tenant/boom/:id': 1 });
    expect(await countsBy(m.registry, 'http_response_status_code')).toEqual({ '500': 1 });
  });

  it('templates a router mounted without a path, a mounted sub-app, and routes added after the first request', async () => {
    const app = appWithMetrics();
    const plain = express.Router();
    plain.get('/plain/:x', ok);
    app.use(plain);
    const sub = express();
    sub.get('/ping/:n', ok);
    app.use('/sub/:tenant', sub);

    await request(app).get('/plain/1').expect(200);
    await request(app).get('/sub/acme/ping/3').expect(200);
    app.get('/late/:y', ok);
    plain.get('/later/:z', ok);
    await request(app).get('/late/2').expect(200);
    await request(app).get('/later/5').expect(200);
    expect(await countsBy(m.registry, 'http_route')).toEqual({
      '/plain/:x': 1,
      '/sub/:tenant/ping/:n': 1,
      '/late/:y': 1,
      '/later/:z': 1,
    });
  });

  it('templates routers nested in a sub-app when the middleware is mounted in the sub-app too, counting once', async () => {
    const app = appWithMetrics();
    const sub = express();
    sub.use(m.middleware);
    const nested = express.Router();
    nested.get('/ping/:n', ok);
    sub.use('/nested/:k', nested);
    app.use('/sub/:tenant', sub);

    await request(app).get('/sub/acme/nested/x/ping/1').expect(200);
    await request(app).get('/sub/beta/nested/y/ping/2').expect(200);
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '/sub/:tenant/nested/:k/ping/:n': 2 });
  });

  it('labels every request, the first included, when the middleware is mounted inside a router', async () => {
    m = metrics({ defaultMetrics: false });
    const app = express();
    const api = express.Router();
    api.use(m.middleware);
    const orgs = express.Router();
    orgs.get('/users/:id', ok);
    api.use('/orgs/:org', orgs);
    api.get('/status', ok);
    app.use('/api/:version', api);
    app.get('/outside', ok);

    await request(app).get('/api/v1/orgs/acme/users/1').expect(200, 'ok');
    await request(app).get('/api/v2/orgs/beta/users/2').expect(200, 'ok');
    await request(app).get('/api/v1/status').expect(200, 'ok');
    await request(app).get('/outside').expect(200, 'ok'); // never reaches the middleware
    expect(await countsBy(m.registry, 'http_route')).toEqual({
      '/api/:version/orgs/:org/users/:id': 2,
      '/api/:version/status': 1,
    });
  });

  it('labels routers nested in a mounted sub-app from the first request, with the middleware in either app', async () => {
    m = metrics({ defaultMetrics: false });
    const other = metrics({ defaultMetrics: false });
    try {
      const app = express();
      app.use(m.middleware);
      const sub = express();
      const nested = express.Router();
      nested.get('/ping/:n', ok);
      sub.use('/nested/:k', nested);
      app.use('/sub/:tenant', sub);

      const outer = express();
      const inner = express();
      inner.use(other.middleware);
      const deep = express.Router();
      deep.get('/ping/:n', ok);
      inner.use('/deep/:k', deep);
      inner.get(['/x/:a', '/y/:b'], ok);
      outer.use('/inner/:tenant', inner);

      for (const n of [1, 2]) {
        await request(app).get(`/sub/acme/nested/x/ping/${n}`).expect(200, 'ok');
        await request(outer).get(`/inner/acme/deep/x/ping/${n}`).expect(200, 'ok');
        await request(outer).get(`/inner/acme/y/${n}`).expect(200, 'ok');
      }
      expect(await countsBy(m.registry, 'http_route')).toEqual({ '/sub/:tenant/nested/:k/ping/:n': 2 });
      expect(await countsBy(other.registry, 'http_route')).toEqual({
        '/inner/:tenant/deep/:k/ping/:n': 2,
        '/inner/:tenant/y/:b': 2,
      });
    } finally {
      other.close();
    }
  });

  it('never fails a request because a layer cannot be labelled', async () => {
    const app = appWithMetrics();
    const route = app.route('/odd/:id');
    route.get(ok);
    Object.defineProperty(route, 'path', {
      get() {
        throw new Error('an odd layer');
      },
    });
    await request(app).get('/odd/1').expect(200, 'ok');
    await request(app).get('/odd/2').expect(200, 'ok');
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '(unmatched)': 2 });
  });

  it('uses the path syntax of the Express major: wildcards and optional segments', async () => {
    const app = appWithMetrics();
    const files = express.Router();
    if (major === 5) {
      files.get('/*splat', ok);
      app.get('/items{/:opt}', ok);
    } else {
      files.get('/*', ok);
      app.get('/items/:opt?', ok);
    }
    app.use('/files/:bucket', files);

    await request(app).get('/files/b1/a/b/c.txt').expect(200);
    await request(app).get('/items').expect(200);
    await request(app).get('/items/9').expect(200);
    const wildcard = major === 5 ? '/files/:bucket/*splat' : '/files/:bucket/*';
    const optional = major === 5 ? '/items{/:opt}' : '/items/:opt?';
    expect(await countsBy(m.registry, 'http_route')).toEqual({ [wildcard]: 1, [optional]: 2 });
  });

  it('labels a route with an array of paths with the pattern that matched', async () => {
    const app = appWithMetrics();
    app.get(['/a/:x', '/b/:y'], ok);
    await request(app).get('/b/1').expect(200);
    await request(app).get('/a/1').expect(200);
    await request(app).get('/a/2').expect(200);
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '/a/:x': 2, '/b/:y': 1 });
  });
});
