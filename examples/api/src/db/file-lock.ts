import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long to wait for a lock and when another holder's lock counts as abandoned. */
export interface FileLockOptions {
  /**
   * A lock held longer than this is taken over: its holder hung (a dead holder's lock is taken over
   * at once). Must be far longer than the longest write. @default 10_000 (ms)
   */
  staleMs?: number;
  /** Give up (throw) after waiting this long for the lock. @default 30_000 (ms) */
  timeoutMs?: number;
}

/** What a lock file says about its holder: `<pid> <token>`; empty while its creator is writing it. */
export interface LockHolder {
  content: string;
  /** The lock file's modification time (epoch ms). */
  mtimeMs: number;
}

/**
 * Whether a lock may be taken over: its holder process no longer exists (same host), or it has been
 * held longer than `staleMs` (a hung holder, or one whose pid was reused). Pure, for the table test.
 */
export function isStale(holder: LockHolder, now: number, staleMs: number, alive: (pid: number) => boolean): boolean {
  if (now - holder.mtimeMs > staleMs) return true;
  const pid = Number(/^(\d+) /.exec(holder.content)?.[1]);
  // An empty or half-written lock is being created right now: not stale (unless old, above).
  return Number.isSafeInteger(pid) && pid > 0 && !alive(pid);
}

/** Whether process `pid` exists on this host (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lockPath: string): LockHolder | undefined {
  try {
    const stat = statSync(lockPath);
    return { content: readFileSync(lockPath, 'utf8'), mtimeMs: stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function tryCreate(lockPath: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx'); // O_CREAT | O_EXCL: exactly one process succeeds
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes an abandoned lock without removing a live one that replaced it meanwhile: the lock is
 * renamed away (atomic: one process wins) and deleted only if it is still the abandoned one; a live
 * lock caught by mistake is linked back (unless someone else holds the path by then).
 */
function takeOver(lockPath: string, abandoned: LockHolder, token: string): void {
  const aside = `${lockPath}.${token}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== abandoned.content) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // The path is taken again: that holder goes first; the displaced one notices on release.
      }
    }
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Takes an exclusive lock shared by every process on this host: `lockPath` created with `wx`
 * holding `<pid> <token>`, retried with growing, jittered backoff (2 ms to 50 ms) while another
 * process holds it, taken over when that holder died or held it past `staleMs`. Resolves with the
 * release function, which deletes the lock only while it is still this holder's.
 */
export async function acquireFileLock(
  lockPath: string,
  token: string,
  options: FileLockOptions = {},
): Promise<() => void> {
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const content = `${process.pid} ${token}`;
  let backoff = 2;
  while (!tryCreate(lockPath, content)) {
    const holder = readHolder(lockPath);
    if (holder && isStale(holder, Date.now(), staleMs, processAlive)) {
      takeOver(lockPath, holder, token);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `could not lock ${lockPath} within ${options.timeoutMs ?? 30_000} ms (held by "${holder?.content}")`,
      );
    }
    await sleep(backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, 50);
  }
  return function release() {
    if (readHolder(lockPath)?.content !== content) return; // taken over as stale: not ours to delete
    try {
      unlinkSync(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
}
