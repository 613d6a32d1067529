import type { CursorValue } from './cursor.js';

/** One sort key: `'created_at'` (ascending), `'-created_at'` (descending) or the object form. */
export type SortKeyInput = string | { key: string; direction?: 'asc' | 'desc'; column?: string };

/** A normalised sort key. `key` is read from items, `column` is what SQL helpers emit. */
export interface SortKey {
  readonly key: string;
  readonly direction: 'asc' | 'desc';
  readonly column: string;
}

/** Options of the SQL helpers on `req.pagination`. */
export interface SqlOptions {
  /** Quotes a column name. @default SQL standard double quotes (`"created_at"`) */
  quote?: (column: string) => string;
  /** The placeholder for the n-th parameter, 1-based (`(n) => '$' + n` for PostgreSQL). @default () => '?' */
  placeholder?: (index: number) => string;
  /** Added to the placeholder index, when the keyset condition follows other parameters. @default 0 */
  firstIndex?: number;
}

/** A SQL condition and the values for its placeholders, in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: CursorValue[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * Normalises `sort` and appends the `tiebreaker` (a unique key such as `id`) unless it is already
 * there, in the direction of the last key, so that the order is total and no row is skipped or
 * repeated between pages. Throws a `TypeError` naming `owner` on a bad spec.
 */
export function normaliseSort(sort: readonly SortKeyInput[], tiebreaker: string, owner: string): SortKey[] {
  if (!Array.isArray(sort)) throw new TypeError(`${owner}: "sort" must be an array of sort keys`);
  const keys: SortKey[] = sort.map((input: unknown) => {
    let key: unknown;
    let direction: unknown = 'asc';
    let column: unknown;
    if (typeof input === 'string') {
      key = input.startsWith('-') ? input.slice(1) : input;
      direction = input.startsWith('-') ? 'desc' : 'asc';
    } else if (typeof input === 'object' && input !== null) {
      ({ key, direction = 'asc', column } = input as { key?: unknown; direction?: unknown; column?: unknown });
    }
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new TypeError(`${owner}: "sort" keys must be identifiers like "created_at", got ${JSON.stringify(input)}`);
    }
    if (direction !== 'asc' && direction !== 'desc') {
      throw new TypeError(`${owner}: "sort" direction must be "asc" or "desc", got ${JSON.stringify(direction)}`);
    }
    if (column !== undefined && (typeof column !== 'string' || column === '')) {
      throw new TypeError(`${owner}: "sort" column must be a non-empty string, got ${JSON.stringify(column)}`);
    }
    return { key, direction, column: column ?? key };
  });
  const seen = new Set<string>();
  for (const { key } of keys) {
    if (seen.has(key)) throw new TypeError(`${owner}: "sort" lists "${key}" twice`);
    seen.add(key);
  }
  if (!seen.has(tiebreaker))
    keys.push({ key: tiebreaker, direction: keys.at(-1)?.direction ?? 'asc', column: tiebreaker });
  return keys;
}

/** `sort` with every direction flipped: the order to query in when paging backwards. */
export function reverseSort(sort: readonly SortKey[]): SortKey[] {
  return sort.map((key) => ({ ...key, direction: key.direction === 'asc' ? 'desc' : 'asc' }));
}

/** The cursor values of `item`: its value for every sort key, in order. */
export function keyValues(item: unknown, sort: readonly SortKey[]): CursorValue[] {
  if (typeof item !== 'object' || item === null) {
    throw new TypeError('res.paginate: cursor-mode items must be objects carrying the sort keys');
  }
  return sort.map(({ key }) => {
    const value = (item as Record<string, unknown>)[key];
    if (value === undefined) throw new TypeError(`res.paginate: an item has no "${key}", which the sort needs`);
    // A NULL key would make the next page's keyset condition (`col > NULL`) match nothing and end the walk early.
    if (value === null) throw new TypeError(`res.paginate: an item's "${key}" is null; sort keys must be NOT NULL`);
    return value as CursorValue;
  });
}

const doubleQuote = (column: string): string =>
  column
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');

/** `"created_at" DESC, "id" DESC` for `sort`. */
export function orderBySql(sort: readonly SortKey[], options: SqlOptions = {}): string {
  const quote = options.quote ?? doubleQuote;
  return sort.map((key) => `${quote(key.column)} ${key.direction === 'asc' ? 'ASC' : 'DESC'}`).join(', ');
}

/**
 * The keyset condition selecting the rows strictly after `values` in the order `sort` (the query
 * order, already reversed for backward pages). Expanded as
 * `(a > ?) OR (a = ? AND b > ?)` so that mixed directions work and every SQL engine accepts it;
 * with one direction it is equivalent to the row-value comparison `(a, b) > (?, ?)`.
 */
export function keysetSql(
  sort: readonly SortKey[],
  values: readonly CursorValue[],
  options: SqlOptions = {},
): SqlFragment {
  if (values.length !== sort.length) {
    throw new TypeError(`keyset: the cursor carries ${values.length} values for ${sort.length} sort keys`);
  }
  const quote = options.quote ?? doubleQuote;
  const placeholder = options.placeholder ?? (() => '?');
  let index = options.firstIndex ?? 0;
  const params: CursorValue[] = [];
  const next = (value: CursorValue): string => {
    params.push(value);
    index += 1;
    return placeholder(index);
  };
  const branches = sort.map((key, i) => {
    const parts: string[] = [];
    for (let j = 0; j < i; j += 1) {
      const previous = sort[j] as SortKey;
      parts.push(`${quote(previous.column)} = ${next(values[j] as CursorValue)}`);
    }
    parts.push(`${quote(key.column)} ${key.direction === 'asc' ? '>' : '<'} ${next(values[i] as CursorValue)}`);
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`;
  });
  return { sql: branches.length === 1 ? (branches[0] as string) : `(${branches.join(' OR ')})`, params };
}
