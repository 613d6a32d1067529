import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { subscribeChannels } from './channels.js';
import { answerPrimary, collectWorkers } from './cluster.js';
import type { MetricFamily } from './exposition.js';
import { createHandler, scrapeRequests } from './handler.js';
import { methodLabel, statusLabel } from './labels.js';
import { type MetricsOptions, OVERFLOW_ROUTE, resolveOptions, UNMATCHED_ROUTE } from './options.js';
import { routeTemplate, trackRoute } from './route.js';
import { Series } from './series.js';
import { contentLength, countResponseBytes } from './sizes.js';

type Next = (err?: unknown) => void;

export interface Metrics {
  /** Records every request that passes through it. Mount it first: `app.use(m.middleware)`. */
  readonly middleware: (req: IncomingMessage, res: ServerResponse, next: Next) => void;
  /** Serves the registry (`app.get('/metrics', m.handler)`); also a plain `node:http` listener. */
  readonly handler: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;
  /** The registry the series live on (the one you passed, or a new one). */
  readonly registry: Registry;
  /** Unsubscribes from the channels, stops answering the cluster primary and removes this instance's series (including the process metrics) from the registry. */
  close(): void;
}

const SCRAPE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
/** Status label of a request whose connection closed before the response was complete. */
const ABORTED_STATUS = '499';

/**
 * Prometheus metrics for an Express app: request duration by method, route template and status,
 * in-flight requests, optional body sizes, Node process metrics, the expresskit packages' events,
 * and a scrape handler with content negotiation.
 *
 * ```ts
 * const m = metrics();
 * app.use(m.middleware);
 * app.get('/metrics', m.handler);
 * ```
 */
export function metrics(options: MetricsOptions = {}): Metrics {
  const resolved = resolveOptions(options);
  const registry = resolved.registry ?? new Registry();
  const series = new Series(registry, resolved.prefix, resolved.maxLabelSets);
  const { method: methodName, route: routeName, status: statusName } = resolved.labels;
  const requestLabels = [methodName, routeName, statusName];

  const duration = series.histogram(
    'http_server_request_duration_seconds',
    'Duration of HTTP server requests, by method, route template and status.',
    requestLabels,
    resolved.buckets,
  );
  /** Requests in flight by method label (at most 11 values): plain counters, copied to the gauge when it is collected. */
  const inFlightByMethod = new Map<string, { count: number }>();
  const inFlightFor = (method: string): { count: number } => {
    let counter = inFlightByMethod.get(method);
    if (counter === undefined) {
      counter = { count: 0 };
      inFlightByMethod.set(method, counter);
    }
    return counter;
  };
  series.gauge('http_server_active_requests', 'HTTP server requests in flight.', [methodName], function collect() {
    for (const [method, counter] of inFlightByMethod) this.set({ [methodName]: method }, counter.count);
  });
  const requestSize =
    resolved.sizeBuckets &&
    series.histogram(
      'http_server_request_body_size_bytes',
      'Size of HTTP request bodies (from Content-Length).',
      requestLabels,
      resolved.sizeBuckets,
    );
  const responseSize =
    resolved.sizeBuckets &&
    series.histogram(
      'http_server_response_body_size_bytes',
      'Size of HTTP response bodies (bytes written).',
      requestLabels,
      resolved.sizeBuckets,
    );
  const scrapeDuration = series.histogram(
    'expresskit_metrics_scrape_duration_seconds',
    'Time taken to collect and render the metrics for a scrape, by format.',
    ['format'],
    SCRAPE_BUCKETS,
  );

  const cleanups: Array<() => void> = [() => series.remove()];
  if (resolved.defaultMetrics) {
    const before = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
    const removeAdded = (): void => {
      for (const metric of registry.getMetricsAsArray()) {
        if (!before.has(metric.name)) registry.removeSingleMetric(metric.name);
      }
    };
    try {
      collectDefaultMetrics({ register: registry, prefix: resolved.prefix });
    } catch (error) {
      removeAdded();
      series.remove();
      throw new TypeError(
        `metrics: "registry" already holds prom-client's default metrics (${String((error as Error).message)}); pass defaultMetrics: false`,
      );
    }
    const added = registry
      .getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => !before.has(name));
    cleanups.push(() => {
      for (const name of added) registry.removeSingleMetric(name);
    });
  }
  if (resolved.channels) cleanups.push(subscribeChannels(series, routeName));
  if (resolved.cluster === 'worker') cleanups.push(answerPrimary(registry));

  const guard = series.guard('http_server_request_duration_seconds');
  /** Label objects of the admitted label sets, by route template, status and method: no label object or key string per request. */
  const labelSets = new Map<string, Map<string, Map<string, Record<string, string>>>>();
  const labelsFor = (method: string, template: string, status: string): Record<string, string> => {
    let byStatus = labelSets.get(template);
    const known = byStatus?.get(status)?.get(method);
    if (known !== undefined) return known;
    const admitted = guard.admit(`${method}\0${template}\0${status}`);
    const labels = { [methodName]: method, [routeName]: admitted ? template : OVERFLOW_ROUTE, [statusName]: status };
    if (!admitted) return labels; // refused sets are counted in the overflow counter on every request
    if (byStatus === undefined) {
      byStatus = new Map();
      labelSets.set(template, byStatus);
    }
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) {
      byMethod = new Map();
      byStatus.set(status, byMethod);
    }
    byMethod.set(method, labels);
    return labels;
  };
  let closed = false;
  /** Requests this instance records; a second pass (the middleware also mounted in a sub-app) only instruments. */
  const recording = new WeakSet<IncomingMessage>();

  const middleware = function metricsMiddleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (closed || scrapeRequests.has(req) || recording.has(req)) {
      trackRoute(req); // in a mounted sub-app: instrument its router too
      next();
      return;
    }
    recording.add(req);
    const started = performance.now();
    const method = methodLabel(req.method);
    const inFlight = inFlightFor(method);
    inFlight.count++;
    trackRoute(req);
    const responseBytes = responseSize ? countResponseBytes(res) : undefined;

    let recorded = false;
    // 'close' follows 'finish' (in the next tick) and also ends an aborted response: one listener sees both.
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      inFlight.count--;
      if (scrapeRequests.has(req)) return;
      const status = res.writableFinished ? statusLabel(res.statusCode) : ABORTED_STATUS;
      const labels = labelsFor(method, routeTemplate(req) ?? UNMATCHED_ROUTE, status);
      duration.observe(labels, (performance.now() - started) / 1000);
      if (requestSize) {
        const size = contentLength(req.headers['content-length']);
        if (size !== undefined) requestSize.observe(labels, size);
      }
      if (responseSize && responseBytes && req.method !== 'HEAD') responseSize.observe(labels, responseBytes());
    };
    res.on('close', record);
    next();
  };

  const collect = async (): Promise<MetricFamily[]> => {
    const own = (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
    if (resolved.cluster !== 'primary') return own;
    const { families } = await collectWorkers(resolved.clusterTimeoutMs);
    const names = new Set(families.map((family) => family.name));
    return [...families, ...own.filter((family) => !names.has(family.name))];
  };

  return {
    middleware,
    handler: createHandler({ options: resolved, collect, scrapeDuration }),
    registry,
    close(): void {
      if (closed) return;
      closed = true;
      for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    },
  };
}
