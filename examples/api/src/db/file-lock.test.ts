import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock, isStale, processAlive } from './file-lock.js';

describe('isStale', () => {
  const alive = (pid: number) => pid === 100;
  it.each([
    ['a live holder, recent', { content: '100 a', mtimeMs: 1_000 }, 2_000, false],
    ['a dead holder, recent', { content: '200 b', mtimeMs: 1_000 }, 2_000, true],
    ['a live holder past staleMs', { content: '100 a', mtimeMs: 1_000 }, 11_001, true],
    ['a lock being written (empty), recent', { content: '', mtimeMs: 1_000 }, 2_000, false],
    ['a lock being written (empty), past staleMs', { content: '', mtimeMs: 1_000 }, 11_001, true],
    ['garbage content, recent', { content: 'x y', mtimeMs: 1_000 }, 2_000, false],
  ])('%s → %s', (_name, holder, now, stale) => {
    expect(isStale(holder, now, 10_000, alive)).toBe(stale);
  });
});

describe('processAlive', () => {
  it('knows this process and not a pid that cannot exist', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 30)).toBe(false);
  });
});

describe('acquireFileLock', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-lock-'));
    lock = path.join(dir, 'catalog.sqlite.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes "<pid> <token>" and removes the file on release', async () => {
    const release = await acquireFileLock(lock, 'one');
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} one`);
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it('makes a second holder wait until the first releases', async () => {
    const order: string[] = [];
    const releaseFirst = await acquireFileLock(lock, 'first');
    const second = acquireFileLock(lock, 'second').then((release) => {
      order.push('second acquired');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    order.push('first releases');
    releaseFirst();
    const releaseSecond = await second;
    expect(order).toEqual(['first releases', 'second acquired']);
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} second`);
    releaseSecond();
  });

  it('takes over the lock of a process that no longer exists at once', async () => {
    writeFileSync(lock, `${2 ** 30} crashed`);
    const release = await acquireFileLock(lock, 'next', { timeoutMs: 1_000 });
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} next`);
    release();
  });

  it('takes over a live holder’s lock held past staleMs, and the old holder’s release leaves the new lock alone', async () => {
    const releaseHung = await acquireFileLock(lock, 'hung');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const releaseNext = await acquireFileLock(lock, 'next', { staleMs: 10_000, timeoutMs: 1_000 });
    releaseHung();
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} next`);
    releaseNext();
    expect(existsSync(lock)).toBe(false);
  });

  it('gives up after timeoutMs while a live holder keeps the lock', async () => {
    const release = await acquireFileLock(lock, 'holder');
    await expect(acquireFileLock(lock, 'waiter', { timeoutMs: 100 })).rejects.toThrow(
      `could not lock ${lock} within 100 ms (held by "${process.pid} holder")`,
    );
    release();
  });
});
