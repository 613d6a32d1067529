import { type DatabaseHandle, toHandle } from '../db/handle.js';
import { type Database, queryAll, queryOne, type Row, type SqlValue, transaction } from '../db/sqlite.js';
import type { Category, KeysetPage, Product, ProductFilter, ProductInput } from './types.js';

/**
 * Every SQL statement of the API. Filtering, sorting and pagination happen in SQLite; JavaScript
 * only turns rows into objects. Values always travel as bound parameters, never inside the SQL.
 */
export interface Catalog {
  listCategories(): Category[];
  hasCategory(slug: string): boolean;
  listProducts(filter: ProductFilter, page: KeysetPage): Product[];
  getProduct(id: number): Product | undefined;
  createProduct(input: ProductInput): Product;
  /** The updated product, or `undefined` when it does not exist. */
  updateProduct(id: number, changes: Partial<ProductInput>): Product | undefined;
  /** Whether a product was deleted. */
  deleteProduct(id: number): boolean;
  /**
   * Runs a read-check-write sequence alone and saves it: writes (`createProduct`,
   * `updateProduct`, `deleteProduct`) must run inside, so that with a shared database file no
   * other instance writes between the `If-Match` check and the write. In memory it runs at once.
   */
  exclusive<T>(work: () => T): Promise<T>;
}

const PRODUCT_COLUMNS = 'id, name, category, price, stock, description, created_at, updated_at';

/**
 * `database` is an in-memory database or a handle on a shared file; `now` stamps
 * `created_at`/`updated_at` (injected so tests control time).
 */
export function createCatalog(database: Database | DatabaseHandle, now: () => number = Date.now): Catalog {
  const source = toHandle(database);
  const timestamp = (): string => new Date(now()).toISOString();
  const getProduct = (id: number): Product | undefined => {
    const row = queryOne(source.read(), `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`, [id]);
    return row && toProduct(row);
  };

  return {
    listCategories() {
      const rows = queryAll(
        source.read(),
        `SELECT c.slug, c.name, COUNT(p.id) AS product_count
         FROM categories c LEFT JOIN products p ON p.category = c.slug
         GROUP BY c.slug ORDER BY c.slug`,
      );
      return rows.map((row) => ({
        slug: String(row.slug),
        name: String(row.name),
        product_count: Number(row.product_count),
      }));
    },

    hasCategory(slug) {
      return queryOne(source.read(), 'SELECT 1 FROM categories WHERE slug = ?', [slug]) !== undefined;
    },

    listProducts(filter, page) {
      const conditions: string[] = [];
      const params: SqlValue[] = [];
      if (filter.category !== undefined) {
        conditions.push('category = ?');
        params.push(filter.category);
      }
      if (filter.minPrice !== undefined) {
        conditions.push('price >= ?');
        params.push(filter.minPrice);
      }
      if (filter.maxPrice !== undefined) {
        conditions.push('price <= ?');
        params.push(filter.maxPrice);
      }
      if (page.where) {
        conditions.push(`(${page.where.sql})`);
        params.push(...page.where.params.map(toSqlValue));
      }
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      const sql = `SELECT ${PRODUCT_COLUMNS} FROM products ${where} ORDER BY ${page.orderBy} LIMIT ?`;
      return queryAll(source.read(), sql, [...params, page.fetch]).map(toProduct);
    },

    getProduct,

    createProduct(input) {
      source.assertWritable();
      const db = source.read();
      const at = timestamp();
      return transaction(db, () => {
        db.run(
          `INSERT INTO products (name, category, price, stock, description, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [input.name, input.category, input.price, input.stock, input.description, at, at],
        );
        const row = queryOne(db, `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = last_insert_rowid()`);
        if (!row) throw new Error('catalog: the inserted product could not be read back');
        return toProduct(row);
      });
    },

    updateProduct(id, changes) {
      source.assertWritable();
      const db = source.read();
      // Column names come from this fixed list, never from the request.
      const columns = (['name', 'category', 'price', 'stock', 'description'] as const).filter(
        (column) => changes[column] !== undefined,
      );
      const assignments = [...columns.map((column) => `${column} = ?`), 'updated_at = ?'];
      const values = [...columns.map((column) => changes[column] as SqlValue), timestamp()];
      db.run(`UPDATE products SET ${assignments.join(', ')} WHERE id = ?`, [...values, id]);
      return db.getRowsModified() === 0 ? undefined : getProduct(id);
    },

    deleteProduct(id) {
      source.assertWritable();
      const db = source.read();
      db.run('DELETE FROM products WHERE id = ?', [id]);
      return db.getRowsModified() > 0;
    },

    exclusive: (work) => source.exclusive(work),
  };
}

/** One column order for every product, so the same product always serialises to the same bytes (and ETag). */
function toProduct(row: Row): Product {
  return {
    id: Number(row.id),
    name: String(row.name),
    category: String(row.category),
    price: Number(row.price),
    stock: Number(row.stock),
    description: String(row.description),
    created_at: String(row.created_at),
    updated_at: String(row.updated_at),
  };
}

/** Cursor values of this API's sort keys are strings and numbers (see `sortFromQuery`). */
function toSqlValue(value: unknown): SqlValue {
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new TypeError(`catalog: unexpected keyset value ${String(value)}`);
}
