import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Duration, type ProblemError, parseDuration } from '@expresskit/core';
import type { Registry } from 'prom-client';
import { type LabelNames, NAMING_PRESETS } from './labels.js';

/** OpenTelemetry's recommended `http.server.request.duration` boundaries, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
/** Body size boundaries, in bytes. */
export const DEFAULT_SIZE_BUCKETS: readonly number[] = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];
/** Route label of requests no route matched (a 404 from the final handler, static files…). */
export const UNMATCHED_ROUTE = '(unmatched)';
/** Route label that new label sets fold into once `maxLabelSets` is reached. */
export const OVERFLOW_ROUTE = '(overflow)';

/** Who may scrape: a bearer token, or a predicate (`true` lets the request through). */
export type ScrapeAuth = { bearer: string } | ((req: IncomingMessage) => boolean | Promise<boolean>);

export interface MetricsOptions {
  /** The prom-client registry every series is registered on. @default a new `Registry` per call (never the global one) */
  registry?: Registry;
  /** Prepended to every metric name this package registers, including the process metrics. @default '' */
  prefix?: string;
  /** Boundaries of `http_server_request_duration_seconds`, in seconds. @default OpenTelemetry's `[0.005 … 10]` */
  buckets?: readonly number[];
  /** Label names of the request series: `'otel'` (`http_request_method`, `http_route`, `http_response_status_code`), `'prom-bundle'` (`method`, `path`, `status_code`) or your own. @default 'otel' */
  naming?: 'otel' | 'prom-bundle' | LabelNames;
  /** Record request and response body sizes (`http_server_{request,response}_body_size_bytes`). `true` or the bucket boundaries in bytes. @default false */
  bodySizes?: boolean | readonly number[];
  /** Most distinct label sets per metric; later sets fold their route into `(overflow)` and count in `expresskit_metrics_label_overflow_total`. @default 1000 */
  maxLabelSets?: number;
  /** Register prom-client's Node process metrics (event-loop lag, heap, GC…) on `registry`. @default true */
  defaultMetrics?: boolean;
  /** Turn the `expresskit:cache`, `expresskit:rate-limit` and `expresskit:health` events into series. @default true */
  channels?: boolean;
  /** Protect the scrape `handler`: `{ bearer: token }` (401 otherwise) or a predicate (403 when it returns false). @default undefined (open) */
  auth?: ScrapeAuth;
  /** Replace the problem response the `handler` sends (401, 403, 405, 500). @default sends `problem` as `application/problem+json` */
  onError?: (problem: ProblemError, req: IncomingMessage, res: ServerResponse) => void;
  /** Node cluster role: `'worker'` answers the primary's collection requests, `'primary'` makes `handler` serve every worker's counters and histograms summed. @default undefined (no cluster) */
  cluster?: 'primary' | 'worker';
  /** How long the primary waits for each worker's report. @default '5s' */
  clusterTimeout?: Duration;
}

export interface ResolvedOptions {
  readonly registry: Registry | undefined;
  readonly prefix: string;
  readonly buckets: readonly number[];
  readonly labels: Readonly<LabelNames>;
  readonly sizeBuckets: readonly number[] | undefined;
  readonly maxLabelSets: number;
  readonly defaultMetrics: boolean;
  readonly channels: boolean;
  readonly auth: ScrapeAuth | undefined;
  readonly onError: MetricsOptions['onError'];
  readonly cluster: 'primary' | 'worker' | undefined;
  readonly clusterTimeoutMs: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function fail(option: string, rule: string, value: unknown): never {
  const shown =
    typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  throw new TypeError(`metrics: "${option}" ${rule}, got ${shown}`);
}

function checkBuckets(option: string, value: unknown): readonly number[] {
  if (!Array.isArray(value) || value.length === 0) fail(option, 'must be a non-empty array of numbers', value);
  let previous = Number.NEGATIVE_INFINITY;
  for (const bound of value) {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= previous) {
      fail(option, 'must hold finite numbers in increasing order', value);
    }
    previous = bound;
  }
  return [...value] as number[];
}

function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'must be a boolean', value);
  return value;
}

function resolveLabels(naming: MetricsOptions['naming']): LabelNames {
  if (naming === undefined) return NAMING_PRESETS.otel;
  if (typeof naming === 'string') {
    if (naming === 'otel' || naming === 'prom-bundle') return NAMING_PRESETS[naming];
    fail('naming', 'must be "otel", "prom-bundle" or { method, route, status }', naming);
  }
  const names = [naming.method, naming.route, naming.status];
  if (!names.every((name) => typeof name === 'string' && LABEL.test(name) && !name.startsWith('__'))) {
    fail('naming', 'label names must match [a-zA-Z_][a-zA-Z0-9_]* (not starting with __)', names);
  }
  if (new Set(names).size !== 3) fail('naming', 'must use three different label names', names);
  return { method: naming.method, route: naming.route, status: naming.status };
}

/** Validates `options` once, at creation; the caller's object is not kept or changed. */
export function resolveOptions(options: MetricsOptions): ResolvedOptions {
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix))) {
    fail('prefix', 'must be a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', prefix);
  }
  const registry = options.registry;
  if (registry !== undefined && (typeof registry !== 'object' || typeof registry.registerMetric !== 'function')) {
    fail('registry', 'must be a prom-client Registry', registry);
  }
  const maxLabelSets = options.maxLabelSets ?? 1000;
  if (!Number.isInteger(maxLabelSets) || maxLabelSets < 1)
    fail('maxLabelSets', 'must be a positive integer', maxLabelSets);
  const bodySizes = options.bodySizes ?? false;
  const sizeBuckets =
    bodySizes === false
      ? undefined
      : bodySizes === true
        ? DEFAULT_SIZE_BUCKETS
        : Array.isArray(bodySizes)
          ? checkBuckets('bodySizes', bodySizes)
          : fail('bodySizes', 'must be a boolean or an array of bucket boundaries', bodySizes);
  const auth = options.auth;
  if (auth !== undefined && typeof auth !== 'function') {
    if (typeof auth !== 'object' || auth === null || typeof auth.bearer !== 'string' || auth.bearer === '') {
      fail('auth', 'must be { bearer: non-empty string } or a function', auth);
    }
  }
  if (options.onError !== undefined && typeof options.onError !== 'function')
    fail('onError', 'must be a function', options.onError);
  const cluster = options.cluster;
  if (cluster !== undefined && cluster !== 'primary' && cluster !== 'worker') {
    fail('cluster', 'must be "primary" or "worker"', cluster);
  }
  let clusterTimeoutMs: number;
  try {
    clusterTimeoutMs = parseDuration(options.clusterTimeout ?? '5s');
  } catch {
    fail('clusterTimeout', 'must be a positive duration such as 5000 or "5s"', options.clusterTimeout);
  }
  if (!(clusterTimeoutMs > 0))
    fail('clusterTimeout', 'must be a positive duration such as 5000 or "5s"', options.clusterTimeout);
  return {
    registry,
    prefix,
    buckets: options.buckets === undefined ? DEFAULT_BUCKETS : checkBuckets('buckets', options.buckets),
    labels: resolveLabels(options.naming),
    sizeBuckets,
    maxLabelSets,
    defaultMetrics: checkBoolean('defaultMetrics', options.defaultMetrics, true),
    channels: checkBoolean('channels', options.channels, true),
    auth,
    onError: options.onError,
    cluster,
    clusterTimeoutMs,
  };
}
