import { createServer } from 'node:http';
import { gracefulShutdown } from '@expresskit/health';
import { Cluster, Redis } from 'ioredis';
import { createApp } from './app.js';
import { ConfigError, DEV_CURSOR_SECRET, loadConfig } from './config.js';
import { openCatalogDatabase, openCatalogDatabaseFile } from './db/catalog-db.js';
import { tallyResponses } from './drain.js';
import { answerClientError } from './http/client-error.js';
import { waitForRedis } from './redis.js';

/** Reads the environment, seeds the database, listens, and shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.cursorSecret === DEV_CURSOR_SECRET) {
    console.warn('CURSOR_SECRET is not set: cursors are signed with a development key. Set it in production.');
  }

  // DATABASE_FILE: one catalog shared by the instances on this host (the first one seeds it).
  const db = config.databaseFile ? await openCatalogDatabaseFile(config.databaseFile) : await openCatalogDatabase();
  // Default ioredis options on purpose: the rate limiter and the cache each refuse to wait on a
  // client that is not connected and bound every command with their own timeout. (With
  // `enableOfflineQueue: false`, @expresskit/cache 0.1.0 cannot subscribe its invalidation bus on
  // the client's duplicate before it connects: see the README.)
  const redis = config.redisClusterNodes
    ? new Cluster([...config.redisClusterNodes])
    : config.redisUrl
      ? new Redis(config.redisUrl)
      : undefined;
  redis?.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  if (redis && !(await waitForRedis(redis, 5_000))) {
    console.warn('Redis is not reachable yet: starting with per-instance fallbacks until it is.');
  }

  const api = createApp({ db, config, redis });
  // Serve only once the cache hears other instances' invalidations: before that, this instance
  // could answer from entries another one has already invalidated.
  await api.cache.ready;
  const server = createServer(api.app);
  // Requests Node's HTTP parser refuses never reach Express: answer them as problem details too.
  server.on('clientError', answerClientError);
  // Operators learn from the log whether a shutdown cut requests off (it should not).
  const tally = tallyResponses(server);

  gracefulShutdown(server, {
    health: api.health,
    // SHUTDOWN_DELAY (5 s under Kubernetes, else 0): keep serving after SIGTERM, readiness failing,
    // so that endpoints and load balancers stop routing here first.
    delay: config.shutdownDelay,
    timeout: config.shutdownTimeout,
    beforeShutdown: () => {
      console.log(
        `shutdown: closing the listener at ${new Date().toISOString()} (${tally.inFlight} requests in flight)`,
      );
    },
    onShutdown: async () => {
      await api.close();
      await redis?.quit();
      db.close();
      console.log(tally.summary());
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      tally.markShutdown();
      console.log(
        `shutdown: ${signal} at ${new Date().toISOString()}, readiness failing; serving ${config.shutdownDelay} ms more, exit by ${config.shutdownTimeout} ms`,
      );
    });
  }

  server.listen(config.port, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(
      `expresskit example API listening on http://localhost:${port} (${redis instanceof Cluster ? 'Redis Cluster' : redis ? 'Redis' : 'memory'} stores${config.databaseFile ? `, database ${config.databaseFile}` : ''})`,
    );
    api.health.markStarted();
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Invalid configuration: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
