import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './app-process.js';
import { trackChild } from './children.js';

/** The built child script of scenario 5; `pnpm --filter @expresskit/reliability run build` makes it. */
export const memoryChildScript = path.join(repoRoot, 'reliability/dist/lib/memory-bounds-child.js');

export interface MemoryChild {
  readonly child: ChildProcess;
  /** Resolves with the next IPC message of `type` (messages of other types are kept for later calls). */
  next<T>(type: string, timeoutMs?: number): Promise<T>;
  send(message: unknown): void;
  /** Everything the child printed on stderr. */
  errors(): string;
  /** Resolves with the exit code (SIGKILL after `timeoutMs`). */
  exit(timeoutMs?: number): Promise<number | null>;
}

/** Starts `node --expose-gc memory-bounds-child.js ...args` with an IPC channel. */
export function startMemoryChild(args: string[]): MemoryChild {
  if (!existsSync(memoryChildScript)) {
    throw new Error(`${memoryChildScript} is missing: run \`pnpm --filter @expresskit/reliability run build\` first`);
  }
  const child = spawn(process.execPath, ['--expose-gc', memoryChildScript, ...args], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const inbox: { type: string }[] = [];
  const waiting: { type: string; resolve: (message: unknown) => void }[] = [];
  child.on('message', (message: { type: string }) => {
    const index = waiting.findIndex((w) => w.type === message.type);
    const waiter = waiting[index];
    if (waiter) {
      waiting.splice(index, 1);
      waiter.resolve(message);
    } else inbox.push(message);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    next<T>(type: string, timeoutMs = 170_000): Promise<T> {
      const index = inbox.findIndex((m) => m.type === type);
      const found = inbox[index];
      if (found) {
        inbox.splice(index, 1);
        return Promise.resolve(found as T);
      }
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`memory child: no "${type}" within ${timeoutMs} ms:\n${stderr}`)),
          timeoutMs,
        );
        const fail = (code: number | null) =>
          reject(new Error(`memory child exited (${code}) before "${type}":\n${stderr}`));
        void exited.then(fail);
        waiting.push({
          type,
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message as T);
          },
        });
      });
    },
    send: (message) => {
      child.send(message as object);
    },
    errors: () => stderr,
    async exit(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
