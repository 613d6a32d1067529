import autocannon from 'autocannon';
import type { Sample } from './stats.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string> | undefined;
  /** Seconds. */
  duration: number;
  connections: number;
  /** Every response must have this status. */
  status: number;
}

export class LoadError extends Error {}

/**
 * Runs autocannon against one server and returns req/s, the responses counted, p50 and p99. A run with a connection
 * error, a timeout or any response of another status than expected throws: a benchmark of a
 * server that rejects (429), fails (5xx) or answers differently measures nothing.
 */
export async function load(options: LoadOptions): Promise<Sample> {
  const result = await autocannon({
    url: options.url,
    headers: options.headers ?? {},
    duration: options.duration,
    connections: options.connections,
    pipelining: 1,
    timeout: 10,
  });
  const counts = Object.entries(result.statusCodeStats ?? {}).map(
    ([status, stat]) => [status, stat.count ?? 0] as const,
  );
  const wrong = counts.filter(([status, count]) => status !== String(options.status) && count > 0);
  const right = counts.find(([status]) => status === String(options.status))?.[1] ?? 0;
  if (result.errors > 0 || result.timeouts > 0 || wrong.length > 0 || right === 0) {
    const seen = counts.map(([status, count]) => `${count}× ${status}`).join(', ') || 'no responses';
    throw new LoadError(
      `${options.url}: expected only ${options.status}, got ${seen}; ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    rps: right / result.duration,
    requests: right,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
