import { paginate } from '@expresskit/pagination';
import type { Request, RequestHandler, Response } from 'express';
import expressPaginate from 'express-paginate';
import { CATALOG, ROUTE } from '../payload.js';
import { bareExpress } from './basic.js';
import { type BenchServer, plain } from './types.js';

/** Page size when the client gives none, and the largest it may ask for, for both contenders. */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** Our offset pagination over the 1,000 products: `res.paginate(rows, { total })`. */
export const oursPaginateHandler: RequestHandler = (req, res) => {
  if (req.pagination.mode !== 'offset') throw new Error('offset mode expected');
  const { offset, fetch } = req.pagination;
  res.paginate(CATALOG.slice(offset, offset + fetch), { total: CATALOG.length });
};

export function oursPaginate(): BenchServer {
  const app = bareExpress();
  app.get(ROUTE, paginate({ defaultLimit: DEFAULT_LIMIT, maxLimit: MAX_LIMIT }), oursPaginateHandler);
  return plain(app);
}

/**
 * express-paginate's middleware, and a handler that uses its helpers to send what ours sends:
 * the page, `has_more`, the total, first/prev/next/last links (body and `Link` header) and
 * `X-Total-Count`. Under Express 5 `req.query` is re-parsed on every read, so the middleware's
 * normalised `page`/`limit` are lost; the handler reads `req.skip` and the query again.
 */
function expressPaginateHandler(req: Request, res: Response): void {
  const limit = Math.min(Number(req.query.limit ?? DEFAULT_LIMIT) || DEFAULT_LIMIT, MAX_LIMIT);
  const page = Math.max(Number(req.query.page ?? 1) || 1, 1);
  const skip = (page - 1) * limit;
  const total = CATALOG.length;
  const pageCount = Math.ceil(total / limit);
  const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  const relative = expressPaginate.href(req);
  const href = (params: Record<string, unknown>) => origin + relative(params);
  const links: Record<string, string> = { self: href({ page, limit }), first: href({ page: 1, limit }) };
  if (page > 1) links.prev = href({ page: page - 1, limit });
  if (expressPaginate.hasNextPages(req)(pageCount)) links.next = href({ page: page + 1, limit });
  links.last = href({ page: pageCount, limit });
  res.setHeader(
    'Link',
    Object.entries(links)
      .filter(([rel]) => rel !== 'self')
      .map(([rel, url]) => `<${url}>; rel="${rel}"`)
      .join(', '),
  );
  res.setHeader('X-Total-Count', String(total));
  res.json({
    data: CATALOG.slice(skip, skip + limit),
    pagination: { page, per_page: limit, offset: skip, has_more: page < pageCount, total, total_pages: pageCount },
    links,
  });
}

export function expressPaginateServer(): BenchServer {
  const app = bareExpress();
  app.get(ROUTE, expressPaginate.middleware(DEFAULT_LIMIT, MAX_LIMIT), expressPaginateHandler);
  return plain(app);
}
