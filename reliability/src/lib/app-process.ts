import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChildren, trackChild } from './children.js';

/** The repository root (this file is reliability/src/lib/ or reliability/dist/lib/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The built example app's entry point: `pnpm reliability` builds it first. */
export const appServerScript = path.join(repoRoot, 'examples/api/dist/server.js');

export interface AppProcess {
  /** A label for messages (`a`, `b`, …). */
  readonly name: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with how the process ended (immediately when it already has). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartAppOptions {
  /** Environment on top of the runner's (PORT defaults to 0: a free port). */
  env?: Record<string, string>;
  name?: string;
  /** Extra `node` flags, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** How long to wait for the "listening on" line. @default 30 s */
  readyTimeoutMs?: number;
}

/**
 * Starts `examples/api/dist/server.js` as its own process (as a deployment runs it) and resolves
 * once it prints the port it listens on. Every process started here is SIGKILLed when the test
 * runner exits, so a failing test never leaves a server behind; call `stopAllApps()` in afterAll.
 */
export async function startAppProcess(options: StartAppOptions = {}): Promise<AppProcess> {
  const name = options.name ?? 'app';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), appServerScript], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${name}: no "listening on" line within ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`)),
      options.readyTimeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: spawn gave no pid`);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', killAfterMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },
  };
}

/** SIGKILLs every process the suite started that is still running (afterAll safety net) and waits for them. */
export const stopAllApps = stopChildren;
