import { createServer } from 'node:http';
import { gracefulShutdown } from '@expresskit/health';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { ConfigError, DEV_CURSOR_SECRET, loadConfig } from './config.js';
import { openCatalogDatabase } from './db/catalog-db.js';

/** Reads the environment, seeds the database, listens, and shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.cursorSecret === DEV_CURSOR_SECRET) {
    console.warn('CURSOR_SECRET is not set: cursors are signed with a development key. Set it in production.');
  }

  const db = await openCatalogDatabase();
  // Commands fail at once while Redis is unreachable instead of queueing: the rate limiter and the
  // cache then fall back to memory (see "Failure behaviour" in the README).
  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false }) : undefined;
  redis?.on('error', (error: Error) => console.error(`redis: ${error.message}`));

  const api = createApp({ db, config, redis });
  const server = createServer(api.app);

  gracefulShutdown(server, {
    health: api.health,
    // Behind a Kubernetes Service, keep serving a few seconds after SIGTERM so that endpoints stop
    // routing here first; on a laptop, stop at once.
    delay: process.env.KUBERNETES_SERVICE_HOST ? '5s' : 0,
    onShutdown: async () => {
      await api.close();
      await redis?.quit();
      db.close();
    },
  });

  server.listen(config.port, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(
      `expresskit example API listening on http://localhost:${port} (${config.redisUrl ? 'Redis' : 'memory'} stores)`,
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
