import { type ResponseCache, requireIfMatch, strongEtag } from '@expresskit/cache';
import { ProblemError, sendProblem } from '@expresskit/core';
import { paginate } from '@expresskit/pagination';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { parseNewProduct, parseProductChanges } from '../catalog/body.js';
import type { Catalog } from '../catalog/catalog.js';
import { invalidParameter } from '../catalog/problems.js';
import {
  ITEM_PARAMETERS,
  LIST_PARAMETERS,
  parseProductFilter,
  rejectUnknownParameters,
  sortFromQuery,
} from '../catalog/query.js';
import type { Product, ProductFilter, ProductInput } from '../catalog/types.js';
import { requireJsonBody } from './errors.js';

export interface ProductRoutesOptions {
  catalog: Catalog;
  cache: ResponseCache;
  cursorSecret: string;
  now: () => number;
}

/**
 * Cache tags. A product's tag is on its own response and on every list page that shows it, so a
 * change that cannot move it between pages (stock, description) invalidates only those; `products`
 * is on every list page, for changes that can reorder or refilter lists (create, delete, name,
 * price, category); `categories` is on `/categories` (its product counts).
 */
export const tags = {
  product: (id: number): string => `product:${id}`,
  lists: 'products',
  categories: 'categories',
} as const;

/**
 * The entity tag of a product: the strong hash of its JSON, exactly the bytes `GET /products/:id`
 * sends, so it equals the `ETag` that the cache computes for that response. Writes recompute it
 * from the current row to check `If-Match`; there is no version column to keep in step.
 */
export function productEtag(product: Product): string {
  return strongEtag(JSON.stringify(product));
}

/** `GET/POST /products`, `GET/PATCH/DELETE /products/:id`. */
export function productRoutes({ catalog, cache, cursorSecret, now }: ProductRoutesOptions): Router {
  const router = Router();
  // The validated filters of a list request, from `checkListQuery` to `listProducts`.
  const filters = new WeakMap<Request, ProductFilter>();

  const checkListQuery: RequestHandler = (req, _res, next) => {
    rejectUnknownParameters(req.query, LIST_PARAMETERS);
    filters.set(req, parseProductFilter(req.query));
    next();
  };

  const checkItemQuery: RequestHandler = (req, _res, next) => {
    rejectUnknownParameters(req.query, ITEM_PARAMETERS);
    next();
  };

  const pages = paginate({
    mode: 'cursor',
    secret: cursorSecret,
    defaultLimit: 20,
    maxLimit: 100,
    sort: (req) => sortFromQuery(req.query),
    // Cursors are bound to what selects and orders the rows, not to `fields`/`exclude`: a client
    // may change the fields it wants between pages without starting over.
    bind: ['category', 'min_price', 'max_price', 'sort'],
    now,
  });

  const listProducts: RequestHandler = (req, res) => {
    if (req.pagination.mode !== 'cursor') throw new Error('products: the paginator must be in cursor mode');
    const page = req.pagination;
    const rows = catalog.listProducts(filters.get(req) ?? {}, {
      where: page.where(),
      orderBy: page.orderBy(),
      fetch: page.fetch,
    });
    res.cacheTags(...rows.map((product) => tags.product(product.id)));
    res.paginate(rows); // sends { data, pagination, links } and the Link header
  };

  const getProduct: RequestHandler = (req, res) => {
    const product = findProduct(catalog, req, res);
    if (!product) return;
    res.cacheTags(tags.product(product.id)).json(product);
  };

  // Each write checks and writes inside catalog.exclusive(): in memory that runs at once, with a
  // shared DATABASE_FILE no other instance writes in between (no lost update across processes).
  // The write is saved before the invalidation goes out, so no instance can re-cache the old row.
  const createProduct: RequestHandler = async (req, res) => {
    const product = await catalog.exclusive(() =>
      catalog.createProduct(parseNewProduct(req.body, catalog.hasCategory)),
    );
    await cache.invalidate({ tags: [tags.lists, tags.categories] });
    res.status(201).location(`${req.baseUrl}/${product.id}`).set('ETag', productEtag(product)).json(product);
  };

  const updateProduct: RequestHandler = async (req, res) => {
    // Nothing inside awaits, so no other request of this process changes the row between the
    // If-Match check and the update either.
    const written = await catalog.exclusive(() => {
      const current = findProduct(catalog, req, res);
      if (!current || !res.precondition({ etag: productEtag(current) })) return undefined;
      const changes = parseProductChanges(req.body, catalog.hasCategory);
      const updated = catalog.updateProduct(current.id, changes);
      if (!updated) throw new Error(`products: product ${current.id} vanished during its update`);
      return { current, changes, updated };
    });
    if (!written) return;
    await cache.invalidate({ tags: affectedTags(written.current, written.changes) });
    res.set('ETag', productEtag(written.updated)).json(written.updated);
  };

  const deleteProduct: RequestHandler = async (req, res) => {
    const current = await catalog.exclusive(() => {
      const found = findProduct(catalog, req, res);
      if (!found || !res.precondition({ etag: productEtag(found) })) return undefined;
      catalog.deleteProduct(found.id);
      return found;
    });
    if (!current) return;
    await cache.invalidate({ tags: [tags.product(current.id), tags.lists, tags.categories] });
    res.status(204).end();
  };

  const listCache = cache.with({ ttl: '5m', tags: [tags.lists] });
  const itemCache = cache.with({ ttl: '5m' });

  router.get('/', checkListQuery, listCache, pages, listProducts);
  router.post('/', requireJsonBody, createProduct);
  router.get('/:id', checkItemQuery, itemCache, getProduct);
  // If-Match is required (428 without it): clients must prove they saw the current version.
  router.patch('/:id', requireIfMatch(), requireJsonBody, updateProduct);
  router.delete('/:id', requireIfMatch(), deleteProduct);
  return router;
}

/** What a PATCH makes stale: the product (and the pages showing it), and more if lists can change. */
function affectedTags(current: Product, changes: Partial<ProductInput>): string[] {
  const affected = [tags.product(current.id)];
  // These columns decide which list a product is in and where: every list page may change.
  if (changes.name !== undefined || changes.price !== undefined || changes.category !== undefined) {
    affected.push(tags.lists);
  }
  if (changes.category !== undefined && changes.category !== current.category) affected.push(tags.categories);
  return affected;
}

/** The product named by `:id`, or `undefined` after answering 400 (malformed id) or 404. */
function findProduct(catalog: Catalog, req: Request, res: Response): Product | undefined {
  const raw = String(req.params.id);
  if (!/^[1-9]\d{0,14}$/.test(raw)) {
    throw invalidParameter('path', 'id', 'integer', `The product id must be a positive integer, got "${raw}"`);
  }
  const product = catalog.getProduct(Number(raw));
  if (!product) sendProblem(res, new ProblemError(404, { detail: `Product ${raw} does not exist` }));
  return product;
}
