import { parseInteger, type QueryParam, readSingle } from './params.js';
import { invalidParameter } from './problems.js';

/** Page-size settings shared by both modes. */
export interface LimitPolicy {
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly overMax: 'reject' | 'clamp';
}

/** The names of the query parameters pagination reads (see the `params` option). */
export interface ParamNames {
  readonly page: string;
  readonly perPage: string;
  readonly offset: string;
  readonly limit: string;
  readonly cursor: string;
  readonly before: string;
}

export const DEFAULT_NAMES: ParamNames = {
  page: 'page',
  perPage: 'per_page',
  offset: 'offset',
  limit: 'limit',
  cursor: 'cursor',
  before: 'before',
};

/** The query parameters a mode reads; everything else is the caller's and left alone. */
export function ownedParams(mode: 'offset' | 'cursor', names: ParamNames): ReadonlySet<string> {
  return new Set(
    mode === 'offset'
      ? [names.page, names.perPage, names.offset, names.limit]
      : [names.cursor, names.before, names.limit],
  );
}

/** A validated offset-mode page request. */
export interface OffsetQuery {
  /** 1-based page number (for an `offset` that is not a multiple of `limit`, the page it falls in). */
  readonly page: number;
  /** Items per page, after clamping. */
  readonly limit: number;
  /** Items to skip. */
  readonly offset: number;
  /** Whether the client addressed the page by `page` number or by `offset`; links do the same. */
  readonly style: 'page' | 'offset';
  /** The parameter names the client used, so links speak the same vocabulary. */
  readonly positionParam: string;
  readonly sizeParam: string;
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
export function parseOffsetQuery(
  params: readonly QueryParam[],
  policy: LimitPolicy,
  maxOffset: number,
  names: ParamNames = DEFAULT_NAMES,
): OffsetQuery {
  const page = readSingle(params, names.page);
  const perPage = readSingle(params, names.perPage);
  const limit = readSingle(params, names.limit);
  const offset = readSingle(params, names.offset);
  if (page !== undefined && offset !== undefined) {
    throw invalidParameter(names.offset, 'exclusive', `"${names.page}" and "${names.offset}" cannot be combined`);
  }
  if (perPage !== undefined && limit !== undefined) {
    throw invalidParameter(names.limit, 'exclusive', `"${names.perPage}" and "${names.limit}" cannot be combined`);
  }
  const style = offset !== undefined || (page === undefined && limit !== undefined) ? 'offset' : 'page';
  const positionParam = style === 'page' ? names.page : names.offset;
  const sizeParam =
    perPage !== undefined ? names.perPage : limit !== undefined || style === 'offset' ? names.limit : names.perPage;
  const size = parseLimit(sizeParam, perPage ?? limit, policy);
  let skip: number;
  let pageNumber: number;
  if (offset !== undefined) {
    skip = parseInteger(names.offset, offset, 0, Number.MAX_SAFE_INTEGER);
    pageNumber = Math.floor(skip / size) + 1;
  } else {
    pageNumber = page === undefined ? 1 : parseInteger(names.page, page, 1, Number.MAX_SAFE_INTEGER);
    skip = (pageNumber - 1) * size;
  }
  if (skip > maxOffset || !Number.isSafeInteger(skip)) {
    const detail =
      style === 'page'
        ? `"${positionParam}" ${pageNumber} starts at offset ${skip}, beyond the maximum offset ${maxOffset}`
        : `"${positionParam}" must be at most ${maxOffset}, got ${skip}`;
    throw invalidParameter(positionParam, 'max-offset', detail, { maxOffset });
  }
  return { page: pageNumber, limit: size, offset: skip, style, positionParam, sizeParam };
}

/** Reads `cursor`/`before` (mutually exclusive) and `limit` strictly. */
export function parseCursorQuery(
  params: readonly QueryParam[],
  policy: LimitPolicy,
  names: ParamNames = DEFAULT_NAMES,
): CursorQuery {
  const after = readSingle(params, names.cursor);
  const before = readSingle(params, names.before);
  if (after !== undefined && before !== undefined) {
    throw invalidParameter(names.before, 'exclusive', `"${names.cursor}" and "${names.before}" cannot be combined`);
  }
  const limit = parseLimit(names.limit, readSingle(params, names.limit), policy);
  if (after !== undefined) return { limit, direction: 'after', token: after };
  if (before !== undefined) return { limit, direction: 'before', token: before };
  return { limit, direction: 'first', token: undefined };
}
