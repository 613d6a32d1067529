import type { CursorValue } from './cursor.js';
import type { SortKey, SqlFragment, SqlOptions } from './keyset.js';

/** `req.pagination` in offset mode. */
export interface OffsetPagination {
  readonly mode: 'offset';
  /** 1-based page number. */
  readonly page: number;
  /** Items per page. */
  readonly limit: number;
  /** Items to skip (`OFFSET`). */
  readonly offset: number;
  /** `limit + 1`: fetch one extra row so `res.paginate` knows `has_more` without a `COUNT`. */
  readonly fetch: number;
}

/** `req.pagination` in cursor (keyset) mode. */
export interface CursorPagination {
  readonly mode: 'cursor';
  /** Items per page. */
  readonly limit: number;
  /** `limit + 1`: fetch one extra row so `res.paginate` knows `has_more`. */
  readonly fetch: number;
  /** `first` (no cursor), `after` (`?cursor=`) or `before` (`?before=`, paging backwards). */
  readonly direction: 'first' | 'after' | 'before';
  /** The verified key values of `?cursor=` (rows strictly after them), else `undefined`. */
  readonly after: readonly CursorValue[] | undefined;
  /** The verified key values of `?before=` (rows strictly before them), else `undefined`. */
  readonly before: readonly CursorValue[] | undefined;
  /** The page's natural order, tiebreaker included. */
  readonly sort: readonly SortKey[];
  /** The order to query in: `sort`, reversed when paging backwards. Pass rows to `res.paginate` in this order. */
  readonly order: readonly SortKey[];
  /** The keyset `WHERE` condition for the query order, or `undefined` on the first page. */
  where(options?: SqlOptions): SqlFragment | undefined;
  /** The `ORDER BY` list for the query order, e.g. `"created_at" DESC, "id" DESC`. */
  orderBy(options?: SqlOptions): string;
}

export type Pagination = OffsetPagination | CursorPagination;

/** What the handler may add to a page. */
export interface PageMeta {
  /**
   * Total number of items, when known: adds `X-Total-Count`, `total` and, in offset mode,
   * `total_pages` and the `last` link. @default undefined (no total: no `COUNT` needed)
   */
  total?: number;
}

/** `pagination` member of an offset-mode page. */
export interface OffsetPageInfo {
  page: number;
  per_page: number;
  offset: number;
  has_more: boolean;
  total?: number;
  total_pages?: number;
}

/** `pagination` member of a cursor-mode page. */
export interface CursorPageInfo {
  limit: number;
  /** More items exist in the direction of travel. */
  has_more: boolean;
  next_cursor: string | null;
  prev_cursor: string | null;
  total?: number;
}

/** Absolute links of a page; `null` when there is no such page or it is unknown. */
export interface PageLinks {
  self: string;
  first: string;
  prev: string | null;
  next: string | null;
  last: string | null;
}

/** The default response body of `res.paginate`, also what a custom `envelope` function receives. */
export interface PageBody<T> {
  data: T[];
  pagination: OffsetPageInfo | CursorPageInfo;
  links: PageLinks;
}
