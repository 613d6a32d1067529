import type { Database } from './sqlite.js';

/**
 * The catalog schema. Prices are integer cents (no floating-point money). Every sort the API
 * offers has an index that ends in `id`, the pagination tiebreaker, so a keyset page is an index
 * range scan whether or not a category filter is present: `(sort_key, id)` for the whole catalog
 * and `(category, sort_key, id)` within one category. SQLite walks the same index backwards for
 * descending sorts.
 */
const SCHEMA = `
  CREATE TABLE categories (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL
  ) WITHOUT ROWID;

  -- AUTOINCREMENT: the id of a deleted product is never given to a new one, so a URL never
  -- points at two different products over time (clients and caches may still hold the old one).
  CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES categories (slug),
    price INTEGER NOT NULL CHECK (price >= 0),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

`;

/** Created after the seed: building an index once is faster than maintaining it row by row. */
const INDEXES = `
  CREATE INDEX products_by_price ON products (price, id);
  CREATE INDEX products_by_name ON products (name, id);
  CREATE INDEX products_by_created_at ON products (created_at, id);
  CREATE INDEX products_by_category_price ON products (category, price, id);
  CREATE INDEX products_by_category_name ON products (category, name, id);
  CREATE INDEX products_by_category_created_at ON products (category, created_at, id);
`;

export function createTables(db: Database): void {
  db.run('PRAGMA foreign_keys = ON');
  db.exec(SCHEMA);
}

export function createIndexes(db: Database): void {
  db.exec(INDEXES);
}
