import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Every child process the suite started and that has not exited yet. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Tracks `child` until it exits: it is SIGKILLed when the test runner exits, so a failing test
 * never leaves a server behind, and `stopChildren()` stops it in afterAll.
 */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** SIGKILLs every tracked child still running (afterAll safety net) and waits for them. */
export async function stopChildren(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(
    children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)),
  );
}
