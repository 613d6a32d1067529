import { parseInteger, type QueryParam, readSingle } from './params.js';
import { invalidParameter } from './problems.js';

/** Page-size settings shared by both modes. */
export interface LimitPolicy {
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly overMax: 'reject' | 'clamp';
}

/** The query parameters each mode reads; everything else is the caller's and left alone. */
export const OFFSET_PARAMS: ReadonlySet<string> = new Set(['page', 'per_page', 'limit', 'offset']);
export const CURSOR_PARAMS: ReadonlySet<string> = new Set(['cursor', 'before', 'limit']);

/** A validated offset-mode page request. */
export interface OffsetQuery {
  /** 1-based page number (for an `offset` that is not a multiple of `limit`, the page it falls in). */
  readonly page: number;
  /** Items per page, after clamping. */
  readonly limit: number;
  /** Items to skip. */
  readonly offset: number;
  /** The parameter names the client used, so links speak the same vocabulary. */
  readonly positionParam: 'page' | 'offset';
  readonly sizeParam: 'per_page' | 'limit';
}

/** A validated cursor-mode page request; the cursor itself is still an unverified string here. */
export interface CursorQuery {
  readonly limit: number;
  /** `after` for `?cursor=`, `before` for `?before=`, `first` without either. */
  readonly direction: 'first' | 'after' | 'before';
  readonly token: string | undefined;
}

function parseLimit(name: string, value: string | undefined, policy: LimitPolicy): number {
  if (value === undefined) return policy.defaultLimit;
  const max = policy.overMax === 'clamp' ? Number.MAX_SAFE_INTEGER : policy.maxLimit;
  return Math.min(parseInteger(name, value, 1, max), policy.maxLimit);
}

/**
 * Reads `page`/`per_page` (or the aliases `offset`/`limit`) strictly. `page` and `offset` are
 * mutually exclusive, as are `per_page` and `limit` (`exclusive`). An offset beyond `maxOffset`
 * is a `max-offset` problem; `limit=0` is a `minimum` problem, never "everything".
 */
export function parseOffsetQuery(params: readonly QueryParam[], policy: LimitPolicy, maxOffset: number): OffsetQuery {
  const page = readSingle(params, 'page');
  const perPage = readSingle(params, 'per_page');
  const limit = readSingle(params, 'limit');
  const offset = readSingle(params, 'offset');
  if (page !== undefined && offset !== undefined) {
    throw invalidParameter('offset', 'exclusive', '"page" and "offset" cannot be combined');
  }
  if (perPage !== undefined && limit !== undefined) {
    throw invalidParameter('limit', 'exclusive', '"per_page" and "limit" cannot be combined');
  }
  const positionParam = offset !== undefined || (page === undefined && limit !== undefined) ? 'offset' : 'page';
  const sizeParam =
    perPage !== undefined ? 'per_page' : limit !== undefined || positionParam === 'offset' ? 'limit' : 'per_page';
  const size = parseLimit(sizeParam, perPage ?? limit, policy);
  let skip: number;
  let pageNumber: number;
  if (offset !== undefined) {
    skip = parseInteger('offset', offset, 0, Number.MAX_SAFE_INTEGER);
    pageNumber = Math.floor(skip / size) + 1;
  } else {
    pageNumber = page === undefined ? 1 : parseInteger('page', page, 1, Number.MAX_SAFE_INTEGER);
    skip = (pageNumber - 1) * size;
  }
  if (skip > maxOffset || !Number.isSafeInteger(skip)) {
    const detail =
      positionParam === 'page'
        ? `"page" ${pageNumber} starts at offset ${skip}, beyond the maximum offset ${maxOffset}`
        : `"offset" must be at most ${maxOffset}, got ${skip}`;
    throw invalidParameter(positionParam, 'max-offset', detail, { maxOffset });
  }
  return { page: pageNumber, limit: size, offset: skip, positionParam, sizeParam };
}

/** Reads `cursor`/`before` (mutually exclusive) and `limit` strictly. */
export function parseCursorQuery(params: readonly QueryParam[], policy: LimitPolicy): CursorQuery {
  const after = readSingle(params, 'cursor');
  const before = readSingle(params, 'before');
  if (after !== undefined && before !== undefined) {
    throw invalidParameter('before', 'exclusive', '"cursor" and "before" cannot be combined');
  }
  const limit = parseLimit('limit', readSingle(params, 'limit'), policy);
  if (after !== undefined) return { limit, direction: 'after', token: after };
  if (before !== undefined) return { limit, direction: 'before', token: before };
  return { limit, direction: 'first', token: undefined };
}
