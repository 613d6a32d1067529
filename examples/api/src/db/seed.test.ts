import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalogDatabase } from './catalog-db.js';
import { CATEGORIES } from './seed.js';
import { type Database, queryAll, queryOne } from './sqlite.js';

describe('the seeded catalog', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openCatalogDatabase();
  });
  afterAll(() => db.close());

  it('has 12,000 products in 24 categories, every category used', () => {
    expect(queryOne(db, 'SELECT COUNT(*) AS n FROM products')).toEqual({ n: 12_000 });
    expect(CATEGORIES).toHaveLength(24);
    expect(queryOne(db, 'SELECT COUNT(DISTINCT category) AS n FROM products')).toEqual({ n: 24 });
  });

  it('has long runs of equal prices (where the id tiebreaker matters) and creation times over two years', () => {
    expect(queryOne(db, 'SELECT COUNT(DISTINCT price) AS n FROM products')).toEqual({ n: 14 });
    expect(
      queryOne(db, 'SELECT MIN(created_at) >= ? AND MAX(created_at) < ? AS spread FROM products', [
        '2024-01-01',
        '2026-01-01',
      ]),
    ).toEqual({ spread: 1 });
    const shared = queryOne(
      db,
      'SELECT COUNT(*) AS n FROM (SELECT created_at FROM products GROUP BY created_at HAVING COUNT(*) > 1)',
    );
    expect(Number(shared?.n)).toBeGreaterThan(0);
  });

  it('is the same catalog on every start (seeded PRNG)', async () => {
    const again = await openCatalogDatabase();
    const sample = 'SELECT * FROM products WHERE id IN (1, 777, 12000) ORDER BY id';
    expect(queryAll(again, sample)).toEqual(queryAll(db, sample));
    expect(queryOne(db, 'SELECT name, category, price FROM products WHERE id = 1')).toEqual(
      queryOne(again, 'SELECT name, category, price FROM products WHERE id = 1'),
    );
    again.close();
  });

  it.each([
    ['price', 'products_by_price'],
    ['name', 'products_by_name'],
    ['created_at', 'products_by_created_at'],
  ])('sorts by %s with an index, filtered by category or not (no temporary sort)', (column, index) => {
    const plan = (sql: string) =>
      queryAll(db, `EXPLAIN QUERY PLAN ${sql}`)
        .map((row) => String(row.detail))
        .join(' | ');
    const keyset = `("${column}" < ? OR ("${column}" = ? AND "id" < ?))`;
    expect(plan(`SELECT * FROM products WHERE ${keyset} ORDER BY "${column}" DESC, "id" DESC LIMIT 21`)).toContain(
      index,
    );
    const inCategory = plan(
      `SELECT * FROM products WHERE category = 'kitchen' AND ${keyset} ORDER BY "${column}" DESC, "id" DESC LIMIT 21`,
    );
    expect(inCategory).toContain(`products_by_category_${column}`);
    expect(inCategory).not.toContain('TEMP B-TREE');
  });
});
