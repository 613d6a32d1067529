import type { SortKeyInput } from '@expresskit/pagination';
import { invalidParameter } from './problems.js';
import type { ProductFilter } from './types.js';

type Query = Readonly<Record<string, unknown>>;

/** Largest price in cents a filter or a product may have (one million in the shop's currency). */
export const MAX_PRICE = 100_000_000;

/** The sorts `GET /products` offers; `-` means descending. The `id` tiebreaker is added by the paginator. */
export const SORTS = ['price', '-price', 'name', '-name', 'created_at', '-created_at'] as const;
export const DEFAULT_SORT = '-created_at';

/** Query parameters of the product routes; anything else is a 400 (see `rejectUnknownParameters`). */
export const LIST_PARAMETERS = [
  'category',
  'min_price',
  'max_price',
  'sort',
  'limit',
  'cursor',
  'before',
  'fields',
  'exclude',
] as const;
export const ITEM_PARAMETERS = ['fields', 'exclude'] as const;

/**
 * Unknown parameters are rejected rather than ignored: a typo (`?categroy=`) then fails loudly
 * instead of silently returning everything, and random parameters cannot be used to fill the
 * response cache with copies of one page.
 */
export function rejectUnknownParameters(query: Query, known: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!known.includes(name)) {
      throw invalidParameter('query', name, 'unknown-parameter', `Unknown query parameter "${name}"`, {
        allowed: known,
      });
    }
  }
}

/** `?category=&min_price=&max_price=`, validated. */
export function parseProductFilter(query: Query): ProductFilter {
  const category = singleValue(query, 'category');
  if (category !== undefined && !/^[a-z0-9-]{1,64}$/.test(category)) {
    throw invalidParameter('query', 'category', 'pattern', '"category" must be a category slug such as "kitchen"');
  }
  const minPrice = priceParameter(query, 'min_price');
  const maxPrice = priceParameter(query, 'max_price');
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
    throw invalidParameter(
      'query',
      'max_price',
      'range',
      `"max_price" (${maxPrice}) must not be below "min_price" (${minPrice})`,
    );
  }
  return { category, minPrice, maxPrice };
}

/** `?sort=`, validated; used by the paginator, which binds cursors to the sort. */
export function sortFromQuery(query: Query): SortKeyInput[] {
  const sort = singleValue(query, 'sort') ?? DEFAULT_SORT;
  if (!(SORTS as readonly string[]).includes(sort)) {
    throw invalidParameter('query', 'sort', 'enum', `"sort" must be one of ${SORTS.join(', ')}, got "${sort}"`, {
      allowed: SORTS,
    });
  }
  return [sort];
}

/** A parameter given at most once (Express 5 makes an array of a repeated one). */
function singleValue(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalidParameter('query', name, 'single-value', `"${name}" must be given once`);
  }
  return value;
}

function priceParameter(query: Query, name: string): number | undefined {
  const raw = singleValue(query, name);
  if (raw === undefined) return undefined;
  // Canonical integers only, as the paginator does: one value, one URL, one cache entry.
  if (!/^(0|[1-9]\d{0,8})$/.test(raw)) {
    throw invalidParameter('query', name, 'integer', `"${name}" must be a whole number of cents, got "${raw}"`);
  }
  const value = Number(raw);
  if (value > MAX_PRICE) {
    throw invalidParameter('query', name, 'maximum', `"${name}" must be at most ${MAX_PRICE}, got ${value}`, {
      maximum: MAX_PRICE,
    });
  }
  return value;
}
