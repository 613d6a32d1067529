import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricFamily } from './exposition.js';

type MetricJSON = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

const REQUEST = 'expresskit:metrics:collect';
const REPORT = 'expresskit:metrics:report';

interface CollectRequest {
  type: typeof REQUEST;
  id: number;
}

interface CollectReport {
  type: typeof REPORT;
  id: number;
  metrics: MetricJSON[];
}

function isRequest(message: unknown): message is CollectRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REQUEST;
}

function isReport(message: unknown): message is CollectReport {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REPORT;
}

/** Only counters and histograms are summed across workers; gauges and summaries are per process. */
function summable(families: MetricJSON[]): MetricJSON[] {
  return families.filter((family) => String(family.type) === 'counter' || String(family.type) === 'histogram');
}

/**
 * In a cluster worker: answers the primary's collection requests with this registry's counters
 * and histograms. Returns the function that stops answering.
 */
export function answerPrimary(registry: Registry): () => void {
  // with a callback, a failed send (the primary is gone) is reported there, not as an 'error' event
  const reply = (report: CollectReport): void => {
    process.send?.(report, undefined, undefined, () => {});
  };
  const onMessage = (message: unknown): void => {
    if (!isRequest(message) || typeof process.send !== 'function') return;
    registry.getMetricsAsJSON().then(
      (metrics) => {
        reply({ type: REPORT, id: message.id, metrics: summable(metrics) });
      },
      () => {
        reply({ type: REPORT, id: message.id, metrics: [] });
      },
    );
  };
  process.on('message', onMessage);
  return () => {
    process.off('message', onMessage);
  };
}

let nextId = 0;

/**
 * In the cluster primary: asks every live worker for its counters and histograms and sums them
 * with prom-client's `AggregatorRegistry.aggregate`. A worker that does not answer within
 * `timeoutMs` (busy, exiting, or not running a `cluster: 'worker'` instance) is left out of this
 * scrape rather than failing it.
 */
export async function collectWorkers(timeoutMs: number): Promise<{ families: MetricFamily[]; workers: number }> {
  const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected());
  const id = ++nextId;
  const reports = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<MetricJSON[] | undefined>((resolve) => {
          if (worker === undefined) return resolve(undefined);
          const finish = (value: MetricJSON[] | undefined): void => {
            clearTimeout(timer);
            worker.off('message', onMessage);
            worker.off('exit', onExit);
            resolve(value);
          };
          const onMessage = (message: unknown): void => {
            if (isReport(message) && message.id === id) finish(message.metrics);
          };
          const onExit = (): void => finish(undefined);
          const timer = setTimeout(() => finish(undefined), timeoutMs);
          timer.unref();
          worker.on('message', onMessage);
          worker.on('exit', onExit);
          try {
            // with a callback, a failed send (the worker is exiting) ends up here, not as an 'error' event
            worker.send({ type: REQUEST, id } satisfies CollectRequest, undefined, undefined, (error) => {
              if (error) finish(undefined);
            });
          } catch {
            finish(undefined);
          }
        }),
    ),
  );
  const answered = reports.filter((report): report is MetricJSON[] => report !== undefined);
  if (answered.length === 0) return { families: [], workers: 0 };
  const aggregated = AggregatorRegistry.aggregate(answered);
  const families = (await aggregated.getMetricsAsJSON()) as unknown as MetricFamily[];
  return { families, workers: answered.length };
}
