import { createIndexes, createTables } from './schema.js';
import { type SeedOptions, seedCatalog } from './seed.js';
import { type Database, openDatabase } from './sqlite.js';

/** A new in-memory catalog database with the schema and the deterministic seed. */
export async function openCatalogDatabase(options: SeedOptions = {}): Promise<Database> {
  const db = await openDatabase();
  createTables(db);
  seedCatalog(db, options);
  createIndexes(db);
  return db;
}
