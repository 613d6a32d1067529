import { etag, responseCache } from '@expresskit/cache';
import { fields } from '@expresskit/fields';
import { health, underPressure } from '@expresskit/health';
import { metrics } from '@expresskit/metrics';
import { paginate } from '@expresskit/pagination';
import { memoryStore, rateLimit } from '@expresskit/rate-limit';
import compression from 'compression';
import type { Request, Response } from 'express';
import { CATALOG, ROUTE } from '../payload.js';
import { bareExpress } from './basic.js';
import { DEFAULT_LIMIT, MAX_LIMIT, oursPaginateHandler } from './paginate.js';
import { LIMIT, WINDOW_SECONDS } from './rate-limit.js';
import type { BenchServer } from './types.js';

/**
 * All six packages and compression in the order `examples/api` uses, serving a cached page of
 * products (`/products?page=2&per_page=20`): after the first request every read is a cache HIT.
 */
export function fullStack(): BenchServer {
  const observability = metrics({ defaultMetrics: false });
  const probes = health({ checks: { 'catalog:size': () => void CATALOG.length } });
  const store = memoryStore();
  const cache = responseCache({ ttl: '5m' });

  const app = bareExpress();
  app.set('etag', false);
  app.use(observability.middleware);
  app.use(compression({ threshold: 1024 }));
  app.get('/metrics', observability.handler);
  app.use(probes);
  app.use(underPressure({ maxEventLoopDelay: '2s' }));
  app.use(rateLimit({ policies: { name: 'bench', limit: LIMIT, window: `${WINDOW_SECONDS}s` }, store }));
  app.use(fields());
  app.use(etag());
  app.get(ROUTE, cache, paginate({ defaultLimit: DEFAULT_LIMIT, maxLimit: MAX_LIMIT }), oursPaginateHandler);

  return {
    handler: app,
    async close() {
      await cache.close();
      await store.close();
      observability.close();
      probes.close();
    },
  };
}

/** What a full-stack page response holds, built by hand: the baseline's body has the same shape and size. */
function pageBody(req: Request, res: Response): void {
  const page = Math.max(Number(req.query.page ?? 1) || 1, 1);
  const perPage = Math.min(Number(req.query.per_page ?? DEFAULT_LIMIT) || DEFAULT_LIMIT, MAX_LIMIT);
  const offset = (page - 1) * perPage;
  const total = CATALOG.length;
  const totalPages = Math.ceil(total / perPage);
  const base = `${req.protocol}://${req.get('host') ?? 'localhost'}${ROUTE}`;
  const at = (n: number) => `${base}?page=${n}&per_page=${perPage}`;
  const links: Record<string, string> = { self: at(page), first: at(1) };
  if (page > 1) links.prev = at(page - 1);
  if (page < totalPages) links.next = at(page + 1);
  links.last = at(totalPages);
  res.setHeader(
    'Link',
    Object.entries(links)
      .filter(([rel]) => rel !== 'self')
      .map(([rel, url]) => `<${url}>; rel="${rel}"`)
      .join(', '),
  );
  res.setHeader('X-Total-Count', String(total));
  res.json({
    data: CATALOG.slice(offset, offset + perPage),
    pagination: { page, per_page: perPage, offset, has_more: page < totalPages, total, total_pages: totalPages },
    links,
  });
}

/** The full-stack baseline: bare Express computing the same page on every request. */
export function fullStackBaseline(): BenchServer {
  const app = bareExpress();
  app.get(ROUTE, pageBody);
  return { handler: app, close: async () => {} };
}
