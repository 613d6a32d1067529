import { redisStore as cacheRedisStore, etag, type ResponseCache, responseCache } from '@expresskit/cache';
import { fields } from '@expresskit/fields';
import { type HealthRouter, health, redisCheck, underPressure } from '@expresskit/health';
import { metrics } from '@expresskit/metrics';
import {
  rateLimit,
  memoryStore as rateLimitMemoryStore,
  redisStore as rateLimitRedisStore,
} from '@expresskit/rate-limit';
import compression from 'compression';
import express, { type Express } from 'express';
import type { Cluster, Redis } from 'ioredis';
import { type Catalog, createCatalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/handle.js';
import type { Database } from './db/sqlite.js';
import { apiKeys, windowName } from './http/api-keys.js';
import { categoryRoutes } from './http/categories.js';
import { JSON_TYPES, type Logger, notFound, problemHandler } from './http/errors.js';
import { productRoutes } from './http/products.js';

export interface AppDeps {
  /**
   * A seeded catalog database (`openCatalogDatabase()`), or a handle on a file shared with other
   * instances (`openCatalogDatabaseFile()`); stays the caller's to close.
   */
  db: Database | DatabaseHandle;
  config: Config;
  /**
   * A Redis (or Cluster) client when running several instances: it carries the rate-limit
   * counters, the cache's L2 and invalidation bus, and a readiness check. Stays the caller's to
   * close. @default undefined (everything in memory)
   */
  redis?: Redis | Cluster | undefined;
  /** The clock (epoch ms) for timestamps, cursors, the cache and the memory rate limiter. @default Date.now */
  now?: () => number;
  /** Receives unexpected errors (500s). @default console */
  logger?: Logger;
}

export interface CatalogApp {
  /** The Express app; not listening (`server.ts` or a test decides where). */
  app: Express;
  /** The probes' controls: `markStarted()`, `markShuttingDown()` (used by `gracefulShutdown`). */
  health: HealthRouter;
  cache: ResponseCache;
  catalog: Catalog;
  /** Releases what the app created: cache bus, rate-limit store, metric subscriptions, load monitors. */
  close(): Promise<void>;
}

/** The catalog API: every expresskit package plus compression, wired in the order that matters. */
export function createApp({ db, config, redis, now = Date.now, logger = console }: AppDeps): CatalogApp {
  const catalog = createCatalog(db, now);

  const cache = responseCache({
    store: redis ? cacheRedisStore({ client: redis }) : undefined,
    timeout: config.redisTimeout, // one bound for every Redis wait: cache, rate limiter, readiness check
    now,
  });
  const rateLimitStore = redis ? rateLimitRedisStore({ client: redis }) : rateLimitMemoryStore({ clock: now });
  const observability = metrics(config.metricsToken ? { auth: { bearer: config.metricsToken } } : {});
  const probes = health({
    checks: {
      'catalog:query': () => void catalog.hasCategory('kitchen'),
      // Not critical: without Redis every instance still serves (rate limits per instance, cache in
      // L1 only), so failing readiness would take all of them out of rotation for a degradation.
      ...(redis ? { 'redis:responseTime': redisCheck(redis, { critical: false, timeout: config.redisTimeout }) } : {}),
    },
  });

  const loadShedding = underPressure({ maxEventLoopDelay: config.maxEventLoopDelay }); // MAX_EVENT_LOOP_DELAY

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // etag() and the cache send strong ETags; Express's weak ones would be noise on errors
  app.set('query parser', 'simple'); // Express 5's default, spelled out: no nested objects from ?a[b]=c
  // Behind a proxy (TRUST_PROXY): req.ip, the rate limit's per-client key, is the client, not the proxy.
  if (config.trustProxy !== false) app.set('trust proxy', config.trustProxy);

  // 1. Metrics first, so every request is measured (probes and 404s included); scrapes are not counted.
  app.use(observability.middleware);
  // 2. Compression before everything that sends bodies; the cache serves its stored br/gzip variants
  //    itself (and compression leaves an encoded response alone), so a hit is never recompressed.
  app.use(compression({ threshold: 1024 }));
  app.get('/metrics', observability.handler);
  // 3. Probes before load shedding and rate limiting: Kubernetes must always get an answer.
  app.use(probes);
  // 4. Shed load (503) before doing any work when the event loop is saturated.
  app.use(loadShedding);
  // 5. Rate limit the API routes: one quota per API key (X-Api-Key, when API_KEYS are configured)
  //    or else per client IP, shared by all instances through Redis. Unknown keys are a 401 after
  //    the limiter, so guessing keys uses up the guesser's IP quota.
  const limiter = {
    policies: {
      name: windowName(config.rateLimitWindow),
      limit: config.rateLimit,
      window: config.rateLimitWindow * 1000,
    },
    store: rateLimitStore,
    storeTimeout: config.redisTimeout,
    // Redis down: keep limiting per instance rather than not at all.
    onStoreError: 'fallback',
  } as const;
  if (config.apiKeys.length === 0) {
    app.use(rateLimit(limiter));
  } else {
    const keys = apiKeys(config.apiKeys);
    app.use(rateLimit({ ...limiter, skip: (req) => keys.quotaKey(req) !== undefined })); // per IP
    app.use(rateLimit({ ...limiter, key: (req) => keys.quotaKey(req) ?? '', skip: (req) => !keys.quotaKey(req) }));
    app.use(keys.check);
  }
  app.use(express.json({ limit: '16kb', type: JSON_TYPES }));
  // 6. Field selection rewrites res.json bodies, before etag() and the cache hash them.
  app.use(fields());
  app.use(etag());

  app.use('/products', productRoutes({ catalog, cache, cursorSecret: config.cursorSecret, now }));
  app.use('/categories', categoryRoutes({ catalog, cache }));

  app.use(notFound);
  app.use(problemHandler(logger));

  return {
    app,
    health: probes,
    cache,
    catalog,
    async close() {
      await cache.close();
      await rateLimitStore.close();
      observability.close();
      probes.close();
      loadShedding.close();
    },
  };
}
