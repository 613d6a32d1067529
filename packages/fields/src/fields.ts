import { isProblemError, type ProblemError, sendProblem } from '@expresskit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { type CompiledFields, type ParameterNames, planMasks, prepareMasks, selectorSize } from './compile.js';
import { type EnvelopeLocator, selectJson } from './json.js';
import { FORBIDDEN } from './plan.js';
import { type FieldPolicy, fail, type ResolvedPolicy, resolvePolicy } from './policy.js';
import { readParam } from './query.js';

export type { EnvelopeLocator } from './json.js';

/** Options of `fields()`. The `FieldPolicy` members (`deny`, `allow`, `strict`, limits) apply too. */
export interface FieldsOptions extends FieldPolicy {
  /** The query parameter holding the selection. @default 'fields' */
  param?: string;
  /** The query parameter holding the exclusion, or `false` to accept none. @default 'exclude' */
  excludeParam?: string | false;
  /**
   * Where the items are in an enveloped body. A member name: a JSON object body that has that member
   * and a `pagination` or `links` member (the `@expresskit/pagination` envelope
   * `{ data, pagination, links }`) has the selection applied to that member only, the rest of the
   * envelope untouched. A function decides per body. `false`: always the whole body.
   * @default 'data'
   */
  envelope?: string | false | EnvelopeLocator;
  /**
   * How many compiled selections to keep (LRU, keyed by raw and by canonical mask). The cache is
   * also bounded by size, `64 × cacheSize` units (one per compiled plan node or member, one per 64
   * characters of key), so a client cannot fill it with the largest masks the limits allow.
   * @default 1000
   */
  cacheSize?: number;
  /**
   * Answers a bad `fields`/`exclude` parameter. Receives the 400 `ProblemError`
   * (`type` `…:invalid-parameter`, members `parameter`, `rule`, `offset`).
   * @default sends the problem as `application/problem+json`
   */
  onError?: (error: ProblemError, req: Request, res: Response, next: NextFunction) => void;
}

interface Config {
  readonly policy: ResolvedPolicy;
  readonly names: ParameterNames;
  readonly exclude: boolean;
  readonly envelope: EnvelopeLocator | null;
  readonly onError: NonNullable<FieldsOptions['onError']>;
  /** The selection of a request without `fields`/`exclude` (only `deny` can make it do anything). */
  readonly none: CompiledFields;
  readonly byRaw: LRUCache<string, CompiledFields>;
  readonly byCanonical: LRUCache<string, CompiledFields>;
  /** The selector of the last raw key looked up (a compiled selector is immutable: never stale). */
  readonly last: LastSelector;
}

interface LastSelector {
  raw: string | undefined;
  selector: CompiledFields;
}

/** Size units: one per plan node or member of a selector, one per this many characters of key. */
const KEY_CHARS_PER_UNIT = 64;
/** Average size units allowed per cache entry. */
const UNITS_PER_ENTRY = 64;

/**
 * Field selection for JSON responses: `?fields=id,author(name)` and `?exclude=body` are parsed
 * once per request (a bad mask answers 400 before your handler runs), the compiled selection is
 * put on `res.locals.fields`, and the body your handler passes to `res.json` (or `res.send` with an
 * object) is reduced before it is serialised, so ETags and caches see the reduced body.
 * Responses with status 400 or above are never reduced.
 */
export function fields(options: FieldsOptions = {}): RequestHandler {
  const config = resolveOptions(options);
  return function fieldsMiddleware(req: Request, res: Response, next: NextFunction): void {
    let selector: CompiledFields;
    try {
      const query: unknown = req.query;
      const selection = readParam(query, config.names.fields);
      const exclusion = config.exclude ? readParam(query, config.names.exclude) : null;
      selector = compiled(config, selection, exclusion);
    } catch (error) {
      if (isProblemError(error) && error.status === 400) {
        config.onError(error, req, res, next);
        return;
      }
      next(error);
      return;
    }
    res.locals.fields = selector;
    if (!selector.identity) selectJson(res, selector, config.envelope);
    next();
  };
}

function compiled(config: Config, selection: readonly string[] | null, exclusion: readonly string[] | null) {
  if (selection === null && exclusion === null) return config.none;
  const raw = rawKey(selection, exclusion);
  // Most traffic repeats one mask: the last one is answered without an LRU update.
  const last = config.last;
  if (last.raw === raw) return last.selector;
  const hit = config.byRaw.get(raw);
  if (hit !== undefined) return remember(last, raw, hit);
  const prepared = prepareMasks(config.policy, selection, exclusion, config.names);
  let selector = config.byCanonical.get(prepared.key);
  if (selector === undefined) {
    selector = planMasks(config.policy, prepared, config.names);
    config.byCanonical.set(prepared.key, selector);
  }
  config.byRaw.set(raw, selector);
  return remember(last, raw, selector);
}

/** The raw cache key: one value of one parameter as it is, anything else as JSON (which starts with `[`). */
function rawKey(selection: readonly string[] | null, exclusion: readonly string[] | null): string {
  if (exclusion === null && selection?.length === 1) return `f${selection[0]}`;
  if (selection === null && exclusion?.length === 1) return `x${exclusion[0]}`;
  return JSON.stringify([selection, exclusion]);
}

function remember(last: LastSelector, raw: string, selector: CompiledFields): CompiledFields {
  last.raw = raw;
  last.selector = selector;
  return selector;
}

function paginationEnvelope(member: string): EnvelopeLocator {
  return (body) =>
    Object.hasOwn(body, member) && (Object.hasOwn(body, 'pagination') || Object.hasOwn(body, 'links'))
      ? member
      : undefined;
}

function resolveOptions(options: FieldsOptions): Config {
  if (options === null || typeof options !== 'object') fail('fields', 'options', 'an object', options);
  const policy = resolvePolicy(options, 'fields');
  const param = options.param ?? 'fields';
  if (typeof param !== 'string' || param === '') fail('fields', 'param', 'a non-empty string', param);
  const excludeParam = options.excludeParam ?? 'exclude';
  if (excludeParam !== false && (typeof excludeParam !== 'string' || excludeParam === '')) {
    fail('fields', 'excludeParam', 'a non-empty string or false', excludeParam);
  }
  if (excludeParam === param) fail('fields', 'excludeParam', `different from "param"`, excludeParam);
  const envelopeOption = options.envelope ?? 'data';
  let envelope: EnvelopeLocator | null;
  if (envelopeOption === false) envelope = null;
  else if (typeof envelopeOption === 'function') envelope = envelopeOption;
  else if (typeof envelopeOption === 'string' && envelopeOption !== '' && !FORBIDDEN.has(envelopeOption)) {
    envelope = paginationEnvelope(envelopeOption);
  } else {
    return fail('fields', 'envelope', 'a member name, a function or false', envelopeOption);
  }
  const cacheSize = options.cacheSize ?? 1000;
  if (!Number.isInteger(cacheSize) || cacheSize < 1) fail('fields', 'cacheSize', 'a positive integer', cacheSize);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    fail('fields', 'onError', 'a function', options.onError);
  }
  const names = { fields: param, exclude: excludeParam === false ? 'exclude' : excludeParam };
  const none = planMasks(policy, prepareMasks(policy, null, null, names), names);
  return {
    policy,
    names,
    exclude: excludeParam !== false,
    envelope,
    onError: options.onError ?? ((error, _req, res) => sendProblem(res, error)),
    none,
    last: { raw: undefined, selector: none },
    byRaw: sizedCache(cacheSize),
    byCanonical: sizedCache(cacheSize),
  };
}

/** An LRU of at most `entries` selectors and `64 × entries` size units. */
function sizedCache(entries: number): LRUCache<string, CompiledFields> {
  return new LRUCache({
    max: entries,
    maxSize: entries * UNITS_PER_ENTRY,
    sizeCalculation: (selector, key) => selectorSize(selector) + Math.ceil(key.length / KEY_CHARS_PER_UNIT),
  });
}
