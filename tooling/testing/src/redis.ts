import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { describe } from 'vitest';
import { freeClusterPort, freePort } from './ports.js';

const execFileAsync = promisify(execFile);

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? 'redis-cli';
const INSTALL_HINT = 'install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`';

function probe(command: string): boolean {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

/**
 * Whether `redis-server` (and `redis-cli`, for clusters) can be run here. In CI (`CI=true`) a
 * missing server is an error, never a skip, so a green run always includes the Redis suites.
 */
export const redisAvailable: boolean = (() => {
  const found = probe(REDIS_SERVER) && probe(REDIS_CLI);
  if (!found && process.env.CI === 'true') {
    throw new Error(`redis-server/redis-cli not found but CI=true: the Redis suites must run in CI; ${INSTALL_HINT}`);
  }
  if (!found) {
    console.warn(`[expresskit] Redis suites skipped: redis-server not found; ${INSTALL_HINT}.`);
  }
  return found;
})();

/** `describe` when redis-server is available, else `describe.skip` (never in CI). */
export const describeRedis: typeof describe = redisAvailable ? describe : (describe.skip as typeof describe);

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function baseArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
  ];
}

async function waitForPing(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < until) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch (error) {
      lastError = error;
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${deadlineMs} ms: ${String(lastError)}`);
}

function spawnServer(args: string[]): ChildProcess {
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** A throwaway `redis-server` on a free loopback port, without persistence. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown). Its data is lost. */
  stop(): Promise<void>;
  /** Starts the server again on the same port (after `stop()`). */
  start(): Promise<void>;
  /** Whether the process is running. */
  readonly running: boolean;
  /** A new ioredis client for this server; closed by `close()` if the caller has not. */
  client(options?: RedisOptions): Redis;
  /** Stops the server, disconnects the clients it made and deletes its directory. */
  close(): Promise<void>;
}

/** Starts a `redis-server` on a free port. Call `close()` in `afterAll`. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'expresskit-redis-'));
  const clients = new Set<Redis>();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawnServer(baseArgs(port, dir));
    await waitForPing(port, 10_000);
  };
  const stop = async (): Promise<void> => {
    if (child) await killChild(child);
  };
  await start();

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    client(options = {}) {
      const client = new Redis({ host: '127.0.0.1', port, ...options });
      clients.add(client);
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway Redis Cluster of three masters (no replicas) on free loopback ports. */
export interface RedisCluster {
  /** The three masters, as ioredis `Cluster` start nodes. */
  readonly nodes: ReadonlyArray<{ host: '127.0.0.1'; port: number }>;
  /** A new ioredis `Cluster` client; closed by `close()` if the caller has not. */
  client(options?: ClusterOptions): Cluster;
  /** Kills every node, disconnects the clients it made and deletes its directory. */
  close(): Promise<void>;
}

async function clusterInfo(port: number): Promise<string> {
  const { stdout } = await execFileAsync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info']);
  return stdout;
}

/**
 * Starts three `redis-server --cluster-enabled yes` processes, joins them with
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` and waits until every node
 * reports `cluster_state:ok`. Call `close()` in `afterAll`.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'expresskit-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freeClusterPort(new Set(ports)));
  const children = ports.map((port) =>
    spawnServer([
      ...baseArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '2000',
    ]),
  );
  const clients = new Set<Cluster>();
  const close = async (): Promise<void> => {
    for (const client of clients) client.disconnect();
    await Promise.all(children.map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((port) => waitForPing(port, 10_000)));
    await execFileAsync(REDIS_CLI, [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const until = Date.now() + 20_000;
    for (;;) {
      const infos = await Promise.all(ports.map(clusterInfo));
      if (infos.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > until) throw new Error(`Redis Cluster did not reach cluster_state:ok:\n${infos.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1' as const, port }));
  return {
    nodes,
    client(options = {}) {
      const client = new Cluster(nodes, options);
      clients.add(client);
      return client;
    },
    close,
  };
}
