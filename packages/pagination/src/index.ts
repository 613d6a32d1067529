import type { PageMeta, Pagination } from './types.js';

export { type CursorOptions, type CursorSecret, type CursorValue, decodeCursor, encodeCursor } from './cursor.js';
export type { SortKey, SortKeyInput, SqlFragment, SqlOptions } from './keyset.js';
export type { PaginateOptions } from './options.js';
export { paginate } from './paginate.js';
export type { PaginationRule } from './problems.js';
export type {
  CursorPageInfo,
  CursorPagination,
  OffsetPageInfo,
  OffsetPagination,
  PageBody,
  PageLinks,
  PageMeta,
  Pagination,
} from './types.js';

declare global {
  namespace Express {
    interface Request {
      /** The validated page request, set by `paginate()`. Narrow on `mode`. */
      pagination: Pagination;
    }
    interface Response {
      /**
       * Sends a page: pass up to `req.pagination.fetch` rows (in `req.pagination.order` for cursor
       * mode); the extra row only signals `has_more`. Sets `Link`, `X-Total-Count` (with
       * `meta.total`) and `Access-Control-Expose-Headers`.
       */
      paginate<T>(items: readonly T[], meta?: PageMeta): void;
    }
  }
}
