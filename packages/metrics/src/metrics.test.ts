import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expressMajors } from '@expresskit/testing';
import { register as globalRegistry, Registry } from 'prom-client';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { countsBy, samples } from './testing/read.js';

const OTEL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

describe.each(expressMajors)('request metrics on $name', ({ express }) => {
  const open: Metrics[] = [];
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });
  function create(options: Parameters<typeof metrics>[0] = {}): Metrics {
    const m = metrics({ defaultMetrics: false, ...options });
    open.push(m);
    return m;
  }

  it('records duration with OTel label names and buckets, and the in-flight gauge', async () => {
    const m = create();
    const app = express();
    app.use(m.middleware);
    app.post('/items/:id', (_req, res) => {
      res.status(201).json({ ok: true });
    });
    await request(app).post('/items/1').expect(201);

    const counts = await samples(
      m.registry,
      'http_server_request_duration_seconds',
      'http_server_request_duration_seconds_count',
    );
    expect(counts).toEqual([
      { labels: { http_request_method: 'POST', http_route: '/items/:id', http_response_status_code: '201' }, value: 1 },
    ]);
    const buckets = await samples(
      m.registry,
      'http_server_request_duration_seconds',
      'http_server_request_duration_seconds_bucket',
    );
    expect(buckets.map((bucket) => bucket.labels.le)).toEqual([...OTEL_BUCKETS, '+Inf']);
    expect(await samples(m.registry, 'http_server_active_requests')).toEqual([
      { labels: { http_request_method: 'POST' }, value: 0 },
    ]);
  });

  it('uses the prom-bundle label names and a prefix when asked', async () => {
    const m = create({ naming: 'prom-bundle', prefix: 'shop_' });
    const app = express();
    app.use(m.middleware);
    app.get('/a', (_req, res) => {
      res.send('a');
    });
    await request(app).get('/a').expect(200);
    const counts = await samples(
      m.registry,
      'shop_http_server_request_duration_seconds',
      'shop_http_server_request_duration_seconds_count',
    );
    expect(counts).toEqual([{ labels: { method: 'GET', path: '/a', status_code: '200' }, value: 1 }]);
  });

  it('folds unknown methods into _OTHER', async () => {
    const m = create();
    const app = express();
    app.use(m.middleware);
    await request(app).propfind('/x').expect(404);
    await request(app).get('/x').expect(404);
    expect(await countsBy(m.registry, 'http_request_method')).toEqual({ _OTHER: 1, GET: 1 });
  });

  it('caps distinct label sets: the rest fold into (overflow) and are counted', async () => {
    const m = create({ maxLabelSets: 3 });
    const app = express();
    app.use(m.middleware);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      app.get(`/${name}/:id`, (_req, res) => {
        res.send(name);
      });
    }
    for (const name of ['a', 'b', 'c', 'd', 'e', 'a', 'e']) await request(app).get(`/${name}/1`).expect(200);
    expect(await countsBy(m.registry, 'http_route')).toEqual({
      '/a/:id': 2,
      '/b/:id': 1,
      '/c/:id': 1,
      '(overflow)': 3,
    });
    expect(await samples(m.registry, 'expresskit_metrics_label_overflow_total')).toEqual([
      { labels: { metric: 'http_server_request_duration_seconds' }, value: 3 },
    ]);
  });

  it('records an aborted request once, with status 499, and releases the in-flight gauge', async () => {
    const m = create();
    const app = express();
    app.use(m.middleware);
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    app.get('/slow/:id', () => arrived()); // never answers
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const { port } = server.address() as AddressInfo;
      const client = http.get({ host: '127.0.0.1', port, path: '/slow/1' });
      client.on('error', () => {});
      await reached;
      expect(await samples(m.registry, 'http_server_active_requests')).toEqual([
        { labels: { http_request_method: 'GET' }, value: 1 },
      ]);
      expect(await countsBy(m.registry, 'http_route')).toEqual({});
      client.destroy();
      // the server sees the close asynchronously: poll (generously, the machine is loaded), then give a
      // second 'close'/'finish' the chance to count it twice
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && Object.keys(await countsBy(m.registry, 'http_route')).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await countsBy(m.registry, 'http_response_status_code')).toEqual({ '499': 1 });
      expect(await countsBy(m.registry, 'http_route')).toEqual({ '/slow/:id': 1 });
      expect(await samples(m.registry, 'http_server_active_requests')).toEqual([
        { labels: { http_request_method: 'GET' }, value: 0 },
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('records body sizes when enabled: Content-Length of the request, bytes written for the response', async () => {
    const m = create({ bodySizes: [10, 100, 1000] });
    const app = express();
    app.use(m.middleware);
    app.post('/echo', express.text(), (req, res) => {
      res.write('x'.repeat(60));
      res.end(String(req.body));
    });
    await request(app).post('/echo').set('Content-Type', 'text/plain').send('hello').expect(200);
    const labels = { http_request_method: 'POST', http_route: '/echo', http_response_status_code: '200' };
    expect(
      await samples(m.registry, 'http_server_request_body_size_bytes', 'http_server_request_body_size_bytes_sum'),
    ).toEqual([{ labels, value: 5 }]);
    expect(
      await samples(m.registry, 'http_server_response_body_size_bytes', 'http_server_response_body_size_bytes_sum'),
    ).toEqual([{ labels, value: 65 }]);
  });

  it('registers on a new registry per instance, never on the global one, and close() removes its series', async () => {
    const before = globalRegistry.getMetricsAsArray().length;
    const first = create({ defaultMetrics: true });
    const second = create({ defaultMetrics: true });
    expect(first.registry).not.toBe(second.registry);
    expect(globalRegistry.getMetricsAsArray().length).toBe(before);
    const names = first.registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    expect(names).toContain('nodejs_gc_duration_seconds');
    first.close();
    expect(first.registry.getMetricsAsArray()).toEqual([]);
    expect(second.registry.getMetricsAsArray().map((metric) => metric.name)).toEqual(names);
  });

  it('passes requests through untouched after close()', async () => {
    const m = create();
    const app = express();
    app.use(m.middleware);
    app.get('/a', (_req, res) => {
      res.send('a');
    });
    m.close();
    await request(app).get('/a').expect(200, 'a');
    expect(m.registry.getMetricsAsArray()).toEqual([]);
  });

  it('rejects a registry that already holds its series, leaving the registry as it was', () => {
    const registry = new Registry();
    create({ registry });
    const names = registry.getMetricsAsArray().map((metric) => metric.name);
    expect(() => metrics({ registry, defaultMetrics: false })).toThrow(
      new TypeError(
        'metrics: "registry" already holds a metric named expresskit_metrics_label_overflow_total; use one metrics() per registry or another "prefix"',
      ),
    );
    const other = new Registry();
    create({ registry: other, defaultMetrics: true, prefix: 'a_' });
    expect(() => metrics({ registry: other, defaultMetrics: true, prefix: 'b_', channels: false })).not.toThrow();
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual(names);
  });

  it('uses the registry it is given', () => {
    const registry = new Registry();
    const m = create({ registry });
    expect(m.registry).toBe(registry);
    expect(registry.getSingleMetric('http_server_request_duration_seconds')).toBeDefined();
  });
});

describe('configuration errors', () => {
  it.each([
    [{ maxLabelSets: -1 }, 'metrics: "maxLabelSets" must be a positive integer, got -1'],
    [
      { prefix: 'bad-prefix' },
      'metrics: "prefix" must be a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got "bad-prefix"',
    ],
    [{ buckets: [1, 0.5] }, 'metrics: "buckets" must hold finite numbers in increasing order, got [1, 0.5]'],
    [{ buckets: [] }, 'metrics: "buckets" must be a non-empty array of numbers, got []'],
    [
      { naming: 'statsd' },
      'metrics: "naming" must be "otel", "prom-bundle" or { method, route, status }, got "statsd"',
    ],
    [
      { naming: { method: 'm', route: 'm', status: 's' } },
      'metrics: "naming" must use three different label names, got [m, m, s]',
    ],
    [
      { auth: { bearer: '' } },
      'metrics: "auth" must be { bearer: non-empty string } or a function, got [object Object]',
    ],
    [{ cluster: 'leader' }, 'metrics: "cluster" must be "primary" or "worker", got "leader"'],
    [
      { clusterTimeout: 'soon' },
      'metrics: "clusterTimeout" must be a positive duration such as 5000 or "5s", got "soon"',
    ],
    [{ defaultMetrics: 'yes' }, 'metrics: "defaultMetrics" must be a boolean, got "yes"'],
  ])('%j', (options, message) => {
    expect(() => metrics(options as Parameters<typeof metrics>[0])).toThrow(new TypeError(message));
  });
});
