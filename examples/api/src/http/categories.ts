import type { ResponseCache } from '@expresskit/cache';
import { type RequestHandler, Router } from 'express';
import type { Catalog } from '../catalog/catalog.js';
import { rejectUnknownParameters } from '../catalog/query.js';
import { tags } from './products.js';

/**
 * `GET /categories`: a small list that rarely changes, so it is cached for an hour. The product
 * counts change with every create, delete or category change, and those writes invalidate the
 * `categories` tag, so the long lifetime never serves a stale count.
 */
export function categoryRoutes({ catalog, cache }: { catalog: Catalog; cache: ResponseCache }): Router {
  const router = Router();
  const checkQuery: RequestHandler = (req, _res, next) => {
    rejectUnknownParameters(req.query, []);
    next();
  };
  const listCategories: RequestHandler = (_req, res) => {
    res.json({ data: catalog.listCategories() });
  };
  router.get('/', checkQuery, cache.with({ ttl: '1h', tags: [tags.categories] }), listCategories);
  return router;
}
