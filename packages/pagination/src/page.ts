import type { CursorQuery, OffsetQuery, ParamNames } from './query.js';
import type { CursorPageInfo, OffsetPageInfo, PageLinks } from './types.js';

/** Builds the URL of a page from the pagination parameters it should carry. */
export type UrlFor = (ours: ReadonlyArray<readonly [string, string]>) => string;

export interface BuiltPage<T> {
  data: T[];
  info: OffsetPageInfo | CursorPageInfo;
  links: PageLinks;
}

function checkTotal(total: number | undefined): void {
  if (total !== undefined && (!Number.isSafeInteger(total) || total < 0)) {
    throw new TypeError(`res.paginate: "total" must be a non-negative integer, got ${String(total)}`);
  }
}

/**
 * An offset page from up to `limit + 1` rows: the extra row only signals `has_more`. With a
 * `total`, `has_more` and the `last` link follow from it, and `prev` of a page past the end points
 * at the last page. Links beyond `maxOffset` are left out, since following them would be rejected.
 */
export function offsetPage<T>(
  query: OffsetQuery,
  rows: readonly T[],
  total: number | undefined,
  maxOffset: number,
  urlFor: UrlFor,
): BuiltPage<T> {
  checkTotal(total);
  const { limit, offset, style, positionParam, sizeParam } = query;
  const data = rows.slice(0, limit);
  const hasMore = rows.length > limit || (total !== undefined && offset + limit < total);
  const at = (skip: number): string =>
    urlFor([
      [positionParam, String(style === 'page' ? Math.floor(skip / limit) + 1 : skip)],
      [sizeParam, String(limit)],
    ]);
  const reachable = (skip: number): boolean => skip <= maxOffset;
  const lastOffset = total === undefined ? undefined : Math.max(0, Math.ceil(total / limit) - 1) * limit;
  const info: OffsetPageInfo = { page: query.page, per_page: limit, offset, has_more: hasMore };
  if (total !== undefined) {
    info.total = total;
    info.total_pages = Math.ceil(total / limit);
  }
  return {
    data,
    info,
    links: {
      self: at(offset),
      first: at(0),
      prev:
        offset === 0
          ? null
          : at(lastOffset !== undefined && offset > lastOffset ? lastOffset : Math.max(0, offset - limit)),
      next: hasMore && reachable(offset + limit) ? at(offset + limit) : null,
      last: lastOffset !== undefined && reachable(lastOffset) ? at(lastOffset) : null,
    },
  };
}

/**
 * A keyset page from up to `limit + 1` rows in query order (reversed when paging backwards): the
 * extra row means more items in the direction of travel. `cursorOf` signs the key values of an
 * item; `next` continues after the last item, `prev` goes back from the first one.
 */
export function cursorPage<T>(
  query: CursorQuery,
  rows: readonly T[],
  total: number | undefined,
  cursorOf: (item: T) => string,
  urlFor: UrlFor,
  names: ParamNames,
): BuiltPage<T> {
  checkTotal(total);
  const { limit, direction, token } = query;
  const extra = rows.length > limit;
  const data = rows.slice(0, limit);
  if (direction === 'before') data.reverse();
  const first = data[0];
  const last = data.at(-1);
  let next: string | null = null;
  let prev: string | null = null;
  if (direction === 'before') {
    prev = extra && first !== undefined ? cursorOf(first) : null;
    next = last === undefined ? null : cursorOf(last);
  } else {
    next = extra && last !== undefined ? cursorOf(last) : null;
    prev = direction === 'after' && first !== undefined ? cursorOf(first) : null;
  }
  const size: readonly [string, string] = [names.limit, String(limit)];
  const info: CursorPageInfo = { limit, has_more: extra, next_cursor: next, prev_cursor: prev };
  if (total !== undefined) info.total = total;
  return {
    data,
    info,
    links: {
      self: urlFor(
        token === undefined ? [size] : [[direction === 'before' ? names.before : names.cursor, token], size],
      ),
      first: urlFor([size]),
      prev: prev === null ? null : urlFor([[names.before, prev], size]),
      next: next === null ? null : urlFor([[names.cursor, next], size]),
      last: null,
    },
  };
}
