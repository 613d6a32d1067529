import { startRedis, startRedisCluster } from '@expresskit/testing';

/** A running Redis deployment and the environment that points the example app at it. */
export interface RedisBackend {
  /** `REDIS_URL` or `REDIS_CLUSTER_NODES` for `startAppProcess({ env })`. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** The two deployments scenarios 1 and 2 run on, as `describe.each` rows. */
export const redisBackends: ReadonlyArray<{ label: string; start(): Promise<RedisBackend> }> = [
  {
    label: 'one Redis',
    async start() {
      const redis = await startRedis();
      return { env: { REDIS_URL: redis.url }, close: () => redis.close() };
    },
  },
  {
    label: '3-master Redis Cluster',
    async start() {
      const cluster = await startRedisCluster();
      return {
        env: { REDIS_CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(',') },
        close: () => cluster.close(),
      };
    },
  },
];

/**
 * The value of one series in a Prometheus text exposition: the sample whose name is `name` and whose
 * labels include every `labels` pair (0 when there is none, as for a counter never incremented).
 */
export function metricValue(exposition: string, name: string, labels: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`));
    if (wanted) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The `p`-th percentile (0–100) of `values`, nearest rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/**
 * `/health/ready`'s status once it is `pass` (the app reuses check results for 1 s, and a cold
 * process's first Redis PING can outlast its timeout on a loaded machine), or the last one after 20 s.
 */
export async function readyStatus(url: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { status } = (await (await fetch(`${url}/health/ready`)).json()) as { status: string };
    if (status === 'pass' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
