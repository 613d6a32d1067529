import { isProblemError, sendProblem } from '@expresskit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bindingHash } from './canonical.js';
import { type CursorValue, signCursor, verifyCursor } from './cursor.js';
import { keysetSql, keyValues, normaliseSort, orderBySql, reverseSort, type SortKey } from './keyset.js';
import { appendToList, formatLinkHeader, keptQuery, pageUrlFrom, requestOrigin } from './links.js';
import { type PageSender, providePage } from './members.js';
import { type PaginateOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type BuiltPage, cursorPage, offsetPage } from './page.js';
import { parseQueryString, type QueryParam } from './params.js';
import { invalidParameter } from './problems.js';
import { type CursorQuery, type OffsetQuery, ownedParams, parseCursorQuery, parseOffsetQuery } from './query.js';
import type { CursorPagination, OffsetPagination } from './types.js';

/** What `res.paginate` needs about the request, kept out of sight of user code. */
interface RequestState {
  readonly params: readonly QueryParam[];
  readonly query: OffsetQuery | CursorQuery;
  readonly sort: readonly SortKey[];
  /** Cursor mode: the hash of the sort and filters that cursors are bound to. */
  readonly binding: string;
}

type TrustFn = (address: string | undefined, hop: number) => boolean;

function originOf(req: Request, fixed: string | undefined): string {
  if (fixed !== undefined) return fixed;
  const trust = req.app.get('trust proxy fn') as TrustFn | undefined;
  const forwarded = req.headers['x-forwarded-host'];
  const trusted = typeof forwarded === 'string' && trust !== undefined && trust(req.socket.remoteAddress, 0);
  const host = trusted ? forwarded.split(',')[0]?.trim() : req.headers.host;
  return requestOrigin(req.protocol, host);
}

function bindingOf(
  req: Request,
  params: readonly QueryParam[],
  sort: readonly SortKey[],
  config: ResolvedOptions,
  owned: ReadonlySet<string>,
  names: ReadonlySet<string> | undefined,
): unknown {
  const sortBinding = sort.map(({ key, direction }) => `${direction === 'desc' ? '-' : ''}${key}`);
  if (typeof config.bind === 'function') return { sort: sortBinding, bind: config.bind(req) };
  const filters = params
    .filter((param) => (names === undefined ? !owned.has(param.key) : names.has(param.key)))
    .map((param) => [param.key, param.value]);
  // Sort by name only (a stable sort): the relative order of a repeated parameter's values is kept.
  filters.sort(([a], [b]) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
  return { sort: sortBinding, filters };
}

/**
 * Pagination middleware: validates the page parameters into `req.pagination` (never touching
 * `req.query`) and adds `res.paginate(items, meta?)`, which sends the page with an RFC 8288 `Link`
 * header. Invalid parameters are answered with a 400 `invalid-parameter` problem (or `onError`).
 */
export function paginate(options: PaginateOptions = {}): RequestHandler {
  const config = resolveOptions(options);
  const owned = ownedParams(config.mode, config.names);
  const bindNames = typeof config.bind === 'function' || config.bind === undefined ? undefined : new Set(config.bind);
  const signingKey = config.secrets[0];
  const fixedSort = typeof config.sort === 'function' ? undefined : config.sort;
  const fixedReverse = fixedSort === undefined ? undefined : reverseSort(fixedSort);

  function cursorPagination(
    req: Request,
    params: readonly QueryParam[],
    query: CursorQuery,
  ): [CursorPagination, RequestState] {
    const sort =
      typeof config.sort === 'function' ? normaliseSort(config.sort(req), config.tiebreaker, 'paginate') : config.sort;
    const reversed = sort === fixedSort ? fixedReverse : undefined;
    const binding = bindingHash(bindingOf(req, params, sort, config, owned, bindNames));
    let values: CursorValue[] | undefined;
    if (query.token !== undefined) {
      const parameter = query.direction === 'before' ? config.names.before : config.names.cursor;
      values = verifyCursor(
        query.token,
        config.secrets,
        binding,
        config.now,
        parameter,
        config.cursorTtl !== undefined,
      );
      if (values.length !== sort.length) {
        throw invalidParameter(parameter, 'cursor-format', `"${parameter}" does not fit this sort order`);
      }
    }
    const order = query.direction === 'before' ? (reversed ?? reverseSort(sort)) : sort;
    const pagination: CursorPagination = {
      mode: 'cursor',
      limit: query.limit,
      fetch: query.limit + 1,
      direction: query.direction,
      after: query.direction === 'after' ? values : undefined,
      before: query.direction === 'before' ? values : undefined,
      sort,
      order,
      where: (sql) => (values === undefined ? undefined : keysetSql(order, values, sql)),
      orderBy: (sql) => orderBySql(order, sql),
    };
    return [pagination, { params, query, sort, binding }];
  }

  function send<T>(req: Request, res: Response, page: BuiltPage<T>, total: number | undefined): void {
    const links = formatLinkHeader(page.links);
    res.append('Link', links);
    if (total !== undefined) res.setHeader('X-Total-Count', String(total));
    res.setHeader(
      'Access-Control-Expose-Headers',
      appendToList(res.getHeader('Access-Control-Expose-Headers'), ['Link', 'X-Total-Count']),
    );
    const body = { data: page.data, pagination: page.info, links: page.links };
    if (config.envelope === 'array') res.json(page.data);
    else if (config.envelope === 'object') res.json(body);
    else res.json(config.envelope(body, req));
  }

  /** Sends a page of `req` from its state: `res.paginate` of this instance. */
  const sendPage: PageSender<RequestState> = (res, req, items, meta, current) => {
    if (!Array.isArray(items)) throw new TypeError('res.paginate: "items" must be an array');
    const path = (req.originalUrl ?? req.url).split(/[?#]/, 1)[0] ?? '';
    const origin = originOf(req, config.origin);
    const kept = keptQuery(current.params, owned);
    const urlFor = (ours: ReadonlyArray<readonly [string, string]>) => pageUrlFrom(kept, origin, path, ours);
    const { query } = current;
    let page: BuiltPage<unknown>;
    if ('offset' in query) {
      page = offsetPage(query, items, meta.total, config.maxOffset, urlFor);
    } else {
      const key = signingKey;
      if (key === undefined) throw new TypeError('paginate: cursor mode needs a "secret"'); // checked at creation
      const expires = config.cursorTtl === undefined ? undefined : config.now() + config.cursorTtl;
      const cursorOf = (item: unknown) => signCursor(keyValues(item, current.sort), key, current.binding, expires);
      page = cursorPage(query, items, meta.total, cursorOf, urlFor, config.names);
    }
    send(req, res, page, meta.total);
  };

  return function paginateMiddleware(req: Request, res: Response, next: NextFunction): void {
    const params = parseQueryString(req.originalUrl ?? req.url);
    let pagination: OffsetPagination | CursorPagination;
    let requestState: RequestState;
    try {
      if (config.mode === 'offset') {
        const query = parseOffsetQuery(params, config, config.maxOffset, config.names);
        pagination = {
          mode: 'offset',
          page: query.page,
          limit: query.limit,
          offset: query.offset,
          fetch: query.limit + 1,
        };
        requestState = { params, query, sort: [], binding: '' };
      } else {
        [pagination, requestState] = cursorPagination(req, params, parseCursorQuery(params, config, config.names));
      }
    } catch (error) {
      if (!isProblemError(error)) next(error);
      else if (config.onError === undefined) sendProblem(res, error);
      else config.onError(error, req, res, next);
      return;
    }
    providePage(req, res, pagination, sendPage, requestState);
    next();
  };
}
