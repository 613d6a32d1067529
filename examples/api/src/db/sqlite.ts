import initSqlJs from 'sql.js';

/** A sql.js database: SQLite compiled to WebAssembly, in memory, shipped inside the npm package. */
export type Database = initSqlJs.Database;
export type SqlValue = initSqlJs.SqlValue;
export type Row = initSqlJs.ParamsObject;

let engine: Promise<initSqlJs.SqlJsStatic> | undefined;

/**
 * A new in-memory database, empty or loaded from a SQLite file's bytes. The wasm engine is
 * compiled once per process and shared; each call still returns an independent database (tests
 * run two apps side by side).
 */
export async function openDatabase(bytes?: Uint8Array): Promise<Database> {
  engine ??= initSqlJs();
  const SQL = await engine;
  return new SQL.Database(bytes);
}

/** The loaded engine, for synchronous reloads once `openDatabase()` has run in this process. */
export async function sqlEngine(): Promise<initSqlJs.SqlJsStatic> {
  engine ??= initSqlJs();
  return engine;
}

/** Runs a query and returns every row as an object keyed by column name. */
export function queryAll(db: Database, sql: string, params: readonly SqlValue[] = []): Row[] {
  const statement = db.prepare(sql);
  try {
    statement.bind([...params]);
    const rows: Row[] = [];
    while (statement.step()) rows.push(statement.getAsObject());
    return rows;
  } finally {
    statement.free();
  }
}

/** The first row of a query, or `undefined`. */
export function queryOne(db: Database, sql: string, params: readonly SqlValue[] = []): Row | undefined {
  return queryAll(db, sql, params)[0];
}

/** Runs `work` in a transaction: committed when it returns, rolled back when it throws. */
export function transaction<T>(db: Database, work: () => T): T {
  db.run('BEGIN');
  try {
    const result = work();
    db.run('COMMIT');
    return result;
  } catch (error) {
    db.run('ROLLBACK');
    throw error;
  }
}
