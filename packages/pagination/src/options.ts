import type { ProblemError } from '@expresskit/core';
import { parseDuration } from '@expresskit/core';
import type { NextFunction, Request, Response } from 'express';
import { resolveSecrets } from './cursor.js';
import { normaliseSort, type SortKey, type SortKeyInput } from './keyset.js';
import { DEFAULT_NAMES, type ParamNames } from './query.js';
import type { PageBody } from './types.js';

export interface PaginateOptions {
  /** `'offset'` reads `?page=&per_page=` (or `?offset=&limit=`); `'cursor'` reads `?cursor=&limit=` and `?before=`. @default 'offset' */
  mode?: 'offset' | 'cursor';
  /** Page size when the client gives none. @default 20 */
  defaultLimit?: number;
  /** Largest page size a client may ask for. @default 100 */
  maxLimit?: number;
  /** A page size above `maxLimit`: `'reject'` answers 400 (`rule: 'maximum'`), `'clamp'` serves `maxLimit`. @default 'reject' */
  overMax?: 'reject' | 'clamp';
  /** Offset mode: the deepest offset a client may reach (deep `OFFSET` scans are expensive); `Infinity` disables. @default 10000 */
  maxOffset?: number;
  /** Cursor mode (required there): HMAC-SHA256 key(s), at least 16 bytes each; with a list the first signs and all verify. @default undefined */
  secret?: string | Uint8Array | readonly (string | Uint8Array)[];
  /**
   * Cursor mode: the keyset sort, e.g. `['-created_at']`, or a function choosing it per request
   * (from a validated `?sort=`). The `tiebreaker` is appended automatically. @default []
   */
  sort?: readonly SortKeyInput[] | ((req: Request) => readonly SortKeyInput[]);
  /** Cursor mode: a unique key appended to the sort so that the order is total. @default 'id' */
  tiebreaker?: string;
  /**
   * Cursor mode: what cursors are bound to besides the sort. Default: every query parameter that is
   * not a pagination parameter (name and value, in order per name). A list of names binds only those
   * (so e.g. `?fields=` may change between pages); a function returns any JSON-like value.
   * @default undefined (all other query parameters)
   */
  bind?: readonly string[] | ((req: Request) => unknown);
  /** Cursor mode: lifetime of issued cursors, in ms or as a duration (`'1h'`). @default undefined (no expiry) */
  cursorTtl?: number | string;
  /**
   * Response body of `res.paginate`: `'object'` sends `{ data, pagination, links }`, `'array'` sends
   * the bare `data` array (pagination in `Link`/`X-Total-Count` only, GitHub style), a function
   * maps the page to any body. @default 'object'
   */
  envelope?: 'object' | 'array' | (<T>(page: PageBody<T>, req: Request) => unknown);
  /**
   * Fixed origin for links (`'https://api.example.com'`). Recommended behind proxies you do not
   * control: by default the origin comes from the request (`Host`, or `X-Forwarded-Host` and
   * `X-Forwarded-Proto` when `trust proxy` trusts the peer). @default undefined (from the request)
   */
  origin?: string;
  /**
   * Renames query parameters, e.g. `{ perPage: 'pageSize' }` or, for the JSON:API cursor profile,
   * `{ limit: 'page[size]', cursor: 'page[after]', before: 'page[before]' }`.
   * @default { page: 'page', perPage: 'per_page', offset: 'offset', limit: 'limit', cursor: 'cursor', before: 'before' }
   */
  params?: Partial<ParamNames>;
  /** The clock (epoch ms) used for cursor expiry. @default Date.now */
  now?: () => number;
  /** Replaces the 400 problem response for invalid pagination parameters. @default sends the problem with `sendProblem` */
  onError?: (error: ProblemError, req: Request, res: Response, next: NextFunction) => void;
}

export interface ResolvedOptions {
  readonly mode: 'offset' | 'cursor';
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly overMax: 'reject' | 'clamp';
  readonly maxOffset: number;
  readonly secrets: readonly Buffer[];
  readonly sort: readonly SortKey[] | ((req: Request) => readonly SortKeyInput[]);
  readonly tiebreaker: string;
  readonly bind: readonly string[] | ((req: Request) => unknown) | undefined;
  readonly cursorTtl: number | undefined;
  readonly envelope: NonNullable<PaginateOptions['envelope']>;
  readonly origin: string | undefined;
  readonly names: ParamNames;
  readonly now: () => number;
  readonly onError: PaginateOptions['onError'];
}

const fail = (option: string, rule: string, value: unknown): never => {
  throw new TypeError(
    `paginate: "${option}" must be ${rule}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
  );
};

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) fail(option, 'a positive integer', value);
  return value as number;
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) fail(option, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  return value as T;
}

/** Validates `options` once, at creation; a bad option throws a `TypeError` naming it. */
export function resolveOptions(options: PaginateOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const mode = oneOf('mode', options.mode, ['offset', 'cursor'], 'offset');
  const maxLimit = positiveInteger('maxLimit', options.maxLimit, 100);
  const defaultLimit = positiveInteger('defaultLimit', options.defaultLimit, Math.min(20, maxLimit));
  if (defaultLimit > maxLimit) fail('defaultLimit', `at most "maxLimit" (${maxLimit})`, defaultLimit);
  const maxOffset = options.maxOffset ?? 10_000;
  if (
    typeof maxOffset !== 'number' ||
    !(maxOffset === Number.POSITIVE_INFINITY || Number.isSafeInteger(maxOffset)) ||
    maxOffset < 0
  ) {
    fail('maxOffset', 'a non-negative integer or Infinity', maxOffset);
  }
  const tiebreaker = options.tiebreaker ?? 'id';
  if (typeof tiebreaker !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(tiebreaker)) {
    fail('tiebreaker', 'an identifier such as "id"', tiebreaker);
  }
  const sortOption = options.sort ?? [];
  const sort = typeof sortOption === 'function' ? sortOption : normaliseSort(sortOption, tiebreaker, 'paginate');
  const secrets = mode === 'cursor' || options.secret !== undefined ? resolveSecrets(options.secret, 'paginate') : [];
  let cursorTtl: number | undefined;
  if (options.cursorTtl !== undefined) {
    cursorTtl =
      typeof options.cursorTtl === 'string'
        ? parseDuration(options.cursorTtl, 'paginate: "cursorTtl"')
        : options.cursorTtl;
    if (typeof cursorTtl !== 'number' || !Number.isFinite(cursorTtl) || cursorTtl <= 0)
      fail('cursorTtl', 'a positive duration', options.cursorTtl);
  }
  const { bind } = options;
  if (
    bind !== undefined &&
    typeof bind !== 'function' &&
    !(Array.isArray(bind) && bind.every((name) => typeof name === 'string'))
  ) {
    fail('bind', 'a list of query parameter names or a function', bind);
  }
  const envelope = options.envelope ?? 'object';
  if (envelope !== 'object' && envelope !== 'array' && typeof envelope !== 'function') {
    fail('envelope', '"object", "array" or a function', envelope);
  }
  let origin: string | undefined;
  if (options.origin !== undefined) {
    const parsed =
      typeof options.origin === 'string' && URL.canParse(options.origin) ? new URL(options.origin) : undefined;
    if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.origin === 'null') {
      fail('origin', 'an http(s) origin such as "https://api.example.com"', options.origin);
    }
    origin = parsed?.origin;
  }
  const names = resolveNames(mode, options.params);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') fail('now', 'a function', now);
  if (options.onError !== undefined && typeof options.onError !== 'function')
    fail('onError', 'a function', options.onError);
  return {
    mode,
    defaultLimit,
    maxLimit,
    overMax: oneOf('overMax', options.overMax, ['reject', 'clamp'], 'reject'),
    maxOffset,
    secrets,
    sort,
    tiebreaker,
    bind,
    cursorTtl,
    envelope,
    origin,
    names,
    now,
    onError: options.onError,
  };
}

function resolveNames(mode: 'offset' | 'cursor', params: unknown): ParamNames {
  if (params === undefined) return DEFAULT_NAMES;
  if (typeof params !== 'object' || params === null) return fail('params', 'an object of parameter names', params);
  const names: Record<string, string> = { ...DEFAULT_NAMES };
  for (const [role, name] of Object.entries(params)) {
    if (!(role in DEFAULT_NAMES)) fail(`params.${role}`, `one of ${Object.keys(DEFAULT_NAMES).join(', ')}`, role);
    if (name === undefined) continue;
    if (typeof name !== 'string' || !/^[^&=#+%\s]+$/.test(name)) {
      fail(`params.${role}`, 'a non-empty name without &, =, #, +, % or spaces', name);
    }
    names[role] = name as string;
  }
  const used = mode === 'offset' ? ['page', 'perPage', 'offset', 'limit'] : ['cursor', 'before', 'limit'];
  const seen = new Map<string, string>();
  for (const role of used) {
    const name = names[role] as string;
    const other = seen.get(name);
    if (other !== undefined) fail(`params.${role}`, `different from "params.${other}"`, name);
    seen.set(name, role);
  }
  return names as unknown as ParamNames;
}
