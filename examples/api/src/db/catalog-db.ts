import type { DatabaseHandle } from './handle.js';
import { createIndexes, createTables } from './schema.js';
import { type SeedOptions, seedCatalog } from './seed.js';
import { openSharedDatabase } from './shared-file.js';
import { type Database, openDatabase } from './sqlite.js';

/** A new in-memory catalog database with the schema and the deterministic seed. */
export async function openCatalogDatabase(options: SeedOptions = {}): Promise<Database> {
  const db = await openDatabase();
  createTables(db);
  seedCatalog(db, options);
  createIndexes(db);
  return db;
}

/**
 * The catalog in a SQLite file shared by the instances on this host (`DATABASE_FILE`): the first
 * process to open it creates and seeds it, the others load it (see `openSharedDatabase`).
 */
export async function openCatalogDatabaseFile(path: string, options: SeedOptions = {}): Promise<DatabaseHandle> {
  return openSharedDatabase({
    path,
    create(db) {
      createTables(db);
      seedCatalog(db, options);
      createIndexes(db);
    },
  });
}
