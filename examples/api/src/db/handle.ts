import type { Database } from './sqlite.js';

/**
 * How the catalog reaches its database: one in-memory database of this process
 * (`memoryHandle`), or a file shared by several processes (`openSharedDatabase`).
 */
export interface DatabaseHandle {
  /**
   * The database to read. A shared file is checked first (one `stat`) and reloaded when another
   * process replaced it; inside `exclusive` it is the locked, current copy.
   */
  read(): Database;
  /**
   * Runs `work` alone: no other writer, in this process or another, runs until it returns, and it
   * sees the latest data. What it changed is saved (a shared file is rewritten) before the promise
   * resolves; when it throws, a shared file is not written and is reloaded from disk (use a
   * transaction for several statements in memory). In memory, `work` runs at once (synchronously).
   */
  exclusive<T>(work: () => T): Promise<T>;
  /** Throws unless called inside `exclusive` (writes outside it would be lost in a shared file). */
  assertWritable(): void;
  close(): void;
}

/** The in-memory database of one process: reads and writes go straight to it. */
export function memoryHandle(db: Database): DatabaseHandle {
  return {
    read: () => db,
    exclusive(work) {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    assertWritable() {},
    close: () => db.close(),
  };
}

/** A sql.js `Database` (the tests' and the single-process default) or a handle. */
export function toHandle(db: Database | DatabaseHandle): DatabaseHandle {
  return 'exclusive' in db ? db : memoryHandle(db);
}
