import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { type CatalogApp, createApp } from '../app.js';
import { type Config, loadConfig } from '../config.js';
import { openCatalogDatabase } from '../db/catalog-db.js';
import type { DatabaseHandle } from '../db/handle.js';
import type { Database } from '../db/sqlite.js';
import { waitForRedis } from '../redis.js';

/** A clock the test moves by hand. */
export interface TestClock {
  (): number;
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2026, 10, 24, 12)): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

export interface RunningApi {
  /** `http://127.0.0.1:<port>`: the app listens on a real socket. */
  url: string;
  api: CatalogApp;
  server: Server;
  /** Errors the app logged as unexpected (500s): tests assert it stays empty. */
  logged: unknown[];
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Partial<Config>;
  redis?: Redis | Cluster;
  now?: () => number;
  /** Products to seed; small by default to keep the suite fast (the full seed has its own test). */
  products?: number;
  /** Call `health.markStarted()` once listening, as `server.ts` does. @default true */
  started?: boolean;
  /** A database shared with another instance (as a real database server would be); not closed by `close()`. */
  db?: Database | DatabaseHandle;
}

/** Seeds a catalog, creates the app and listens on a free loopback port. */
export async function startApi(options: StartOptions = {}): Promise<RunningApi> {
  if (options.redis && !(await waitForRedis(options.redis, 10_000))) throw new Error('test Redis is not reachable');
  const db = options.db ?? (await openCatalogDatabase({ products: options.products ?? 400 }));
  const config = { ...loadConfig({}), ...options.config };
  const logged: unknown[] = [];
  const api = createApp({
    db,
    config,
    redis: options.redis,
    ...(options.now ? { now: options.now } : {}),
    logger: { error: (_message, error) => logged.push(error) },
  });
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  if (options.started !== false) api.health.markStarted();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    api,
    server,
    logged,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      if (!options.db) db.close();
    },
  };
}
