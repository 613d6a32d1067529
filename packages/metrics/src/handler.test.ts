import http from 'node:http';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { countsBy, samples } from './testing/read.js';

const PROMETHEUS = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

describe.each(expressMajors)('scrape handler on $name', ({ express }) => {
  const open: Metrics[] = [];
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });
  function appWith(options: Parameters<typeof metrics>[0] = {}) {
    const m = metrics({ defaultMetrics: false, ...options });
    open.push(m);
    const app = express();
    app.use(m.middleware);
    app.get('/metrics', m.handler);
    app.get('/hello', (_req, res) => {
      res.send('hi');
    });
    return { app, m };
  }

  it('serves the Prometheus text format by default, with a query string, and does not record scrapes', async () => {
    const { app, m } = appWith();
    await request(app).get('/hello').expect(200);
    const res = await request(app).get('/metrics?debug=1').expect(200);
    expect(res.headers['content-type']).toBe(PROMETHEUS);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.vary).toBe('Accept');
    expect(res.text).toContain(
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/hello",http_response_status_code="200"} 1\n',
    );
    expect(res.text).toContain('# TYPE expresskit_cache_requests_total counter\n');
    expect(res.text.endsWith('# EOF\n')).toBe(false);
    expect(await countsBy(m.registry, 'http_route')).toEqual({ '/hello': 1 });
  });

  it('serves OpenMetrics when Accept asks for it', async () => {
    const { app } = appWith();
    await request(app).get('/hello').expect(200);
    const res = await request(app)
      .get('/metrics')
      .set('Accept', 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5')
      .expect(200);
    expect(res.headers['content-type']).toBe(OPENMETRICS);
    expect(res.text).toContain('# TYPE expresskit_metrics_label_overflow counter\n');
    expect(res.text.endsWith('# EOF\n')).toBe(true);
  });

  it('includes the registry default labels in both formats', async () => {
    const { app, m } = appWith();
    m.registry.setDefaultLabels({ service: 'shop' });
    await request(app).get('/hello').expect(200);
    const expected =
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/hello",http_response_status_code="200",service="shop"} 1';
    expect((await request(app).get('/metrics').expect(200)).text.split('\n')).toContain(expected);
    const open = await request(app).get('/metrics').set('Accept', 'application/openmetrics-text').expect(200);
    expect(open.text.split('\n')).toContain(expected);
  });

  it('observes its own scrape duration, by format', async () => {
    const { app, m } = appWith();
    await request(app).get('/metrics').expect(200);
    await request(app).get('/metrics').set('Accept', 'application/openmetrics-text').expect(200);
    await request(app).get('/metrics').expect(200);
    const counts = await samples(
      m.registry,
      'expresskit_metrics_scrape_duration_seconds',
      'expresskit_metrics_scrape_duration_seconds_count',
    );
    expect(counts).toEqual([
      { labels: { format: 'prometheus' }, value: 2 },
      { labels: { format: 'openmetrics' }, value: 1 },
    ]);
  });

  it('answers HEAD with headers only and other methods with 405 problem details', async () => {
    const { app, m } = appWith();
    app.post('/metrics', m.handler);
    const head = await request(app).head('/metrics').expect(200);
    expect(head.headers['content-type']).toBe(PROMETHEUS);
    expect(head.text).toBeUndefined();
    const post = await request(app).post('/metrics').expect(405);
    expect(post.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.body).toEqual({
      type: 'about:blank',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'The metrics endpoint answers GET and HEAD, not POST.',
    });
  });

  it('protects the endpoint with a bearer token', async () => {
    const { app } = appWith({ auth: { bearer: 's3cret' } });
    const missing = await request(app).get('/metrics').expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(missing.body).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'A bearer token is required to read the metrics.',
    });
    const wrong = await request(app).get('/metrics').set('Authorization', 'Bearer nope').expect(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="metrics", error="invalid_token"');
    const right = await request(app).get('/metrics').set('Authorization', 'Bearer s3cret').expect(200);
    expect(right.headers['content-type']).toBe(PROMETHEUS);
  });

  it('protects the endpoint with a predicate, and lets onError replace the problem response', async () => {
    const { app } = appWith({
      auth: async (req) => req.headers['x-internal'] === '1',
      onError: (problem, _req, res) => {
        res.statusCode = problem.status;
        res.end(`denied ${problem.status}`);
      },
    });
    const denied = await request(app).get('/metrics').expect(403);
    expect(denied.text).toBe('denied 403');
    await request(app).get('/metrics').set('X-Internal', '1').expect(200);
  });

  it('answers a throwing or rejecting predicate with a 500 through onError, never a hang', async () => {
    const seen: number[] = [];
    const { app } = appWith({
      auth: (req) => {
        if (req.headers['x-mode'] === 'throw') throw new Error('directory down');
        return Promise.reject(new Error('directory down'));
      },
      onError: (problem, _req, res) => {
        seen.push(problem.status);
        res.statusCode = problem.status;
        res.end(`failed ${problem.status}: ${problem.detail}`);
      },
    });
    const thrown = await request(app).get('/metrics').set('X-Mode', 'throw').expect(500);
    expect(thrown.text).toBe('failed 500: The metrics authorization check failed.');
    const rejected = await request(app).get('/metrics').expect(500);
    expect(rejected.text).toBe('failed 500: The metrics authorization check failed.');
    expect(seen).toEqual([500, 500]);
  });

  it('answers 500 problem details when a collector fails', async () => {
    const { app, m } = appWith();
    const { Gauge } = await import('prom-client');
    new Gauge({
      name: 'broken',
      help: 'A gauge whose collect throws.',
      registers: [m.registry],
      collect() {
        throw new Error('collector failed');
      },
    });
    const res = await request(app).get('/metrics').expect(500);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'A metric collector failed while the registry was read.',
    });
  });
});

describe('scrape handler as a plain node:http listener', () => {
  it('serves the registry without Express', async () => {
    const m = metrics({ defaultMetrics: false });
    const server = http.createServer(m.handler);
    try {
      const res = await request(server).get('/anything').expect(200);
      expect(res.headers['content-type']).toBe(PROMETHEUS);
      expect(res.text).toContain('# TYPE http_server_request_duration_seconds histogram\n');
    } finally {
      m.close();
    }
  });
});
