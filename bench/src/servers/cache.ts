import { etag, responseCache } from '@expresskit/cache';
import apicache from 'apicache';
import type { RequestHandler } from 'express';
import { burn, PAYLOAD, ROUTE } from '../payload.js';
import { bareExpress } from './basic.js';
import { type BenchServer, plain } from './types.js';

/** What the "expensive" handler costs per request, in CPU milliseconds. */
export const HANDLER_COST_MS = 2;

function cached(middleware: RequestHandler, handlerCostMs: number, close: () => Promise<void>): BenchServer {
  const app = bareExpress();
  app.get(ROUTE, middleware, (_req, res) => {
    if (handlerCostMs > 0) burn(handlerCostMs);
    res.json(PAYLOAD);
  });
  return { handler: app, close };
}

/** `responseCache()` with its defaults (memory L1) and a 5 min TTL; after the first request every GET is a HIT. */
export function oursCache(handlerCostMs = 0): BenchServer {
  const cache = responseCache({ ttl: '5m' });
  return cached(cache, handlerCostMs, () => cache.close());
}

/** apicache (memory) with a 5 min TTL, as its README shows. */
export function apicacheCache(): BenchServer {
  const instance = apicache.newInstance();
  const middleware = instance.middleware('5 minutes');
  return cached(middleware, 0, async () => {
    instance.clear();
  });
}

/** The uncached expensive handler: every request pays `HANDLER_COST_MS` of CPU. */
export function uncachedSlow(): BenchServer {
  const app = bareExpress();
  app.get(ROUTE, (_req, res) => {
    burn(HANDLER_COST_MS);
    res.json(PAYLOAD);
  });
  return plain(app);
}

/** Our strong `etag()` (Express's own ETag off, as our README says). */
export function oursEtag(): BenchServer {
  const app = bareExpress();
  app.set('etag', false);
  app.use(etag());
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return plain(app);
}

/** Express's built-in ETag in its strong form (`app.set('etag', 'strong')`), like for like with ours. */
export function expressStrongEtag(): BenchServer {
  const app = bareExpress();
  app.set('etag', 'strong');
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return plain(app);
}
