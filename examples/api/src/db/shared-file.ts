import { randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { acquireFileLock, type FileLockOptions } from './file-lock.js';
import type { DatabaseHandle } from './handle.js';
import { type Database, sqlEngine } from './sqlite.js';

export interface SharedDatabaseOptions {
  /** The SQLite file every process opens. Its directory must exist; `<path>.lock` is the write lock. */
  path: string;
  /** Fills a new database (schema, seed) when the file does not exist yet; run by the first process only. */
  create(db: Database): void;
  /** Lock timing. @default { staleMs: 10_000, timeoutMs: 30_000 } */
  lock?: FileLockOptions;
}

/** What identifies one version of the file: a write renames a new file over it (new inode, mtime). */
type Version = Pick<BigIntStats, 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>;

function sameVersion(a: Version | undefined, b: Version | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

function statVersion(path: string): Version | undefined {
  return statSync(path, { bigint: true, throwIfNoEntry: false });
}

/**
 * A sql.js database kept in a file shared by several processes on one host, so that a write taken
 * by one instance is what every other instance reads next:
 *
 * - **reads** stat the file (one `stat`, no read) and reload it only when another process replaced
 *   it since this one loaded it;
 * - **writes** (`exclusive`) queue in this process, then take the cross-process lock file, reload if
 *   needed, run, and save: export, write `<path>.<token>.tmp`, rename it over `<path>` (atomic:
 *   readers see the old or the new file, never half of one), release.
 *
 * Every write rewrites the whole file and every other process reloads all of it: fine for a demo
 * catalog of a few MB, not for a production database (use a database server there).
 */
export async function openSharedDatabase(options: SharedDatabaseOptions): Promise<DatabaseHandle> {
  if (!existsSync(dirname(options.path))) {
    throw new Error(`${options.path}: the directory ${dirname(options.path)} does not exist`);
  }
  const SQL = await sqlEngine();
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const lockPath = `${options.path}.lock`;
  const tmpPath = `${options.path}.${token}.tmp`;

  let db: Database | undefined;
  let loaded: Version | undefined;
  let holding = false;
  let queue: Promise<unknown> = Promise.resolve();

  const load = (): Database => {
    const fd = openSync(options.path, 'r');
    try {
      const version = fstatSync(fd, { bigint: true });
      const next = prepare(new SQL.Database(readFileSync(fd)));
      db?.close();
      db = next;
      loaded = version;
      return next;
    } finally {
      closeSync(fd);
    }
  };

  const current = (): Database => {
    if (holding && db) return db;
    const version = statVersion(options.path);
    // The file vanished (deleted by hand): keep serving what was loaded rather than failing reads.
    if (db && (version === undefined || sameVersion(version, loaded))) return db;
    return load();
  };

  const save = (target: Database): void => {
    const bytes = target.export();
    // Older sql.js versions close and reopen the database in export(), which resets its pragmas.
    prepare(target);
    writeFileSync(tmpPath, bytes);
    renameSync(tmpPath, options.path);
    loaded = statVersion(options.path);
  };

  const locked = async <T>(work: () => T): Promise<T> => {
    const release = await acquireFileLock(lockPath, token, options.lock);
    try {
      return work();
    } finally {
      release();
    }
  };

  // The first process creates and seeds the file; the others wait for its lock, then load it.
  await locked(() => {
    if (statVersion(options.path) === undefined) {
      const fresh = prepare(new SQL.Database());
      options.create(fresh);
      db = fresh;
      save(fresh);
    } else {
      load();
    }
  });

  return {
    read: current,
    exclusive<T>(work: () => T): Promise<T> {
      // One writer at a time in this process (the lock file is per process, not per request).
      const run = queue.then(() =>
        locked(() => {
          const target = current(); // the latest file, now that no other process can replace it
          const changesBefore = totalChanges(target);
          holding = true;
          try {
            const result = work();
            // A write that changed nothing (a 404, a 412) leaves the file alone.
            if (totalChanges(target) !== changesBefore) save(target);
            return result;
          } catch (error) {
            // Discard what `work` changed before it threw: reload on the next read.
            if (totalChanges(target) !== changesBefore) loaded = undefined;
            throw error;
          } finally {
            holding = false;
          }
        }),
      );
      queue = run.catch(() => {});
      return run;
    },
    assertWritable() {
      if (!holding) throw new Error(`catalog: writes to ${options.path} must run inside exclusive()`);
    },
    close() {
      db?.close();
      db = undefined;
    },
  };
}

/** Rows inserted, updated or deleted by this connection since it was opened. */
function totalChanges(db: Database): number {
  return Number(db.exec('SELECT total_changes()')[0]?.values[0]?.[0] ?? 0);
}

/** Per-connection settings that are not stored in the file (and that `export()` resets). */
function prepare(db: Database): Database {
  db.run('PRAGMA foreign_keys = ON');
  return db;
}
