import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import type { DatabaseHandle } from './handle.js';
import { openSharedDatabase } from './shared-file.js';
import { queryOne } from './sqlite.js';

const SCHEMA = `
  CREATE TABLE parents (id INTEGER PRIMARY KEY);
  CREATE TABLE counters (id INTEGER PRIMARY KEY, value INTEGER NOT NULL, parent INTEGER REFERENCES parents (id));
  INSERT INTO parents (id) VALUES (1);
  INSERT INTO counters (id, value, parent) VALUES (1, 0, 1);
`;

describe('openSharedDatabase', () => {
  let dir: string;
  let file: string;
  let handles: DatabaseHandle[];
  let created: number;
  const open = async () => {
    const handle = await openSharedDatabase({
      path: file,
      create(db) {
        created++;
        db.exec(SCHEMA);
      },
    });
    handles.push(handle);
    return handle;
  };
  const value = (handle: DatabaseHandle) => Number(queryOne(handle.read(), 'SELECT value FROM counters')?.value);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-shared-db-'));
    file = path.join(dir, 'catalog.sqlite');
    handles = [];
    created = 0;
  });
  afterEach(() => {
    for (const handle of handles) handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first open creates and seeds the file; the next ones load it', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    expect(created).toBe(1);
    expect(existsSync(file)).toBe(true);
    expect(value(a)).toBe(0);
    expect(value(b)).toBe(0);
    expect(readdirSync(dir)).toEqual(['catalog.sqlite']); // no lock or temporary file left behind
  });

  it('refuses a file in a directory that does not exist, naming it', async () => {
    const missing = path.join(dir, 'nope', 'catalog.sqlite');
    await expect(openSharedDatabase({ path: missing, create: () => {} })).rejects.toThrow(
      `${missing}: the directory ${path.join(dir, 'nope')} does not exist`,
    );
  });

  it('two handles on one file see each other’s writes on their next read', async () => {
    const a = await open();
    const b = await open();
    await a.exclusive(() => a.read().run('UPDATE counters SET value = 41'));
    expect(value(b)).toBe(41);
    await b.exclusive(() => b.read().run('UPDATE counters SET value = value + 1'));
    expect(value(a)).toBe(42);
  });

  it('reads do not reload an unchanged file (the same database object is served)', async () => {
    const a = await open();
    expect(a.read()).toBe(a.read());
  });

  it('concurrent read-modify-write from two handles loses nothing', async () => {
    const a = await open();
    const b = await open();
    const increment = (handle: DatabaseHandle) =>
      handle.exclusive(() => {
        const db = handle.read();
        const current = Number(queryOne(db, 'SELECT value FROM counters')?.value);
        db.run('UPDATE counters SET value = ?', [current + 1]);
      });
    await Promise.all(Array.from({ length: 25 }, () => [increment(a), increment(b)]).flat());
    expect(value(a)).toBe(50);
    expect(value(b)).toBe(50);
    expect(readdirSync(dir)).toEqual(['catalog.sqlite']);
  });

  it('a write that changes nothing does not rewrite the file', async () => {
    const a = await open();
    const before = statSync(file, { bigint: true });
    const found = await a.exclusive(() => queryOne(a.read(), 'SELECT value FROM counters WHERE id = 99'));
    expect(found).toBeUndefined();
    const after = statSync(file, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
  });

  it('a write that throws is not saved and its changes are dropped from memory', async () => {
    const a = await open();
    await expect(
      a.exclusive(() => {
        a.read().run('UPDATE counters SET value = 99');
        throw new Error('validation failed');
      }),
    ).rejects.toThrow('validation failed');
    expect(value(a)).toBe(0);
    const b = await open();
    expect(value(b)).toBe(0);
  });

  it('keeps foreign keys enforced after a save and a reload (export() resets pragmas)', async () => {
    const a = await open();
    const b = await open();
    await a.exclusive(() => a.read().run('UPDATE counters SET value = 1'));
    for (const handle of [a, b]) {
      await expect(
        handle.exclusive(() => handle.read().run('INSERT INTO counters (id, value, parent) VALUES (2, 0, 999)')),
      ).rejects.toThrow('FOREIGN KEY constraint failed');
    }
  });

  it('refuses catalog writes outside exclusive(), and a catalog on another handle sees the write', async () => {
    const handle = await openSharedDatabase({
      path: path.join(dir, 'products.sqlite'),
      create(db) {
        db.exec(`CREATE TABLE categories (slug TEXT PRIMARY KEY, name TEXT NOT NULL);
          CREATE TABLE products (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, category TEXT NOT NULL,
            price INTEGER NOT NULL, stock INTEGER NOT NULL, description TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
          INSERT INTO categories VALUES ('kitchen', 'Kitchen');`);
      },
    });
    handles.push(handle);
    const other = await openSharedDatabase({ path: path.join(dir, 'products.sqlite'), create: () => {} });
    handles.push(other);
    const a = createCatalog(handle, () => 0);
    const b = createCatalog(other, () => 0);
    const input = { name: 'Pan', category: 'kitchen', price: 999, stock: 3, description: '' };
    expect(() => a.createProduct(input)).toThrow(/writes to .*products\.sqlite must run inside exclusive\(\)/);
    const created = await a.exclusive(() => a.createProduct(input));
    expect(b.getProduct(created.id)).toEqual(created);
    await b.exclusive(() => b.updateProduct(created.id, { stock: 7 }));
    expect(a.getProduct(created.id)?.stock).toBe(7);
  });
});
