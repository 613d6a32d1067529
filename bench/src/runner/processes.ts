import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const SERVER_MAIN = fileURLToPath(new URL('../server-main.js', import.meta.url));

/** Every child this process started; killed on exit, Ctrl-C and uncaught errors. */
const children = new Set<ChildProcess>();
const cleanups = new Set<() => void>();

function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const cleanup of cleanups) cleanup();
  cleanups.clear();
}

let installed = false;
/** Installs the handlers that tear every child down however the bench ends. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping every server`);
      killAll();
      process.exit(130);
    });
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (!(await waitExit(child, 5000))) {
    child.kill('SIGKILL');
    await waitExit(child, 5000);
  }
  children.delete(child);
}

/**
 * Runs `node <file> <args…>` to completion and returns its standard output. The child is killed
 * with the others when the bench ends, and after `timeoutMs`; a non-zero exit rejects with its
 * standard error.
 */
export function runNodeChild(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(stdout);
      else {
        const why = signal === null ? `exit code ${code}` : `${signal} (timeout ${timeoutMs} ms?)`;
        reject(
          new Error(`${path.basename(file)} ${args.join(' ')}: ${why}${stderr === '' ? '' : `: ${stderr.trim()}`}`),
        );
      }
    });
  });
}

export interface RunningServer {
  name: string;
  port: number;
  url: string;
  /** The CPU time (user + system, µs) the server process has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Asks the child for its `process.cpuUsage()` total over IPC. */
function cpuOf(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`bench server "${name}" did not report its CPU time within 10 s`));
    }, 10_000);
    function onMessage(message: unknown): void {
      const answer = message as { type?: string; micros?: number };
      if (answer.type !== 'cpu' || typeof answer.micros !== 'number') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(answer.micros);
    }
    child.on('message', onMessage);
    child.send({ type: 'cpu' });
  });
}

/**
 * Starts a bench server in its own Node process (`server-main.js <name>`) and waits until it
 * listens. `main` is the entry script (the built one next to this module; tests, which run the
 * sources, pass `dist/server-main.js`).
 */
export function startServer(
  name: string,
  redisUrl: string | undefined,
  execArgv: readonly string[] = [],
  main: string = SERVER_MAIN,
): Promise<RunningServer> {
  const child = fork(main, [name], {
    env: { ...process.env, BENCH_REDIS_URL: redisUrl ?? '', NODE_ENV: 'production' },
    execArgv: [...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`bench server "${name}" did not start within 60 s`));
    }, 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`bench server "${name}" exited before listening (code ${code}, signal ${signal})`));
    });
    child.on('message', (message: unknown) => {
      const ready = message as { type?: string; port?: number };
      if (ready.type !== 'ready' || typeof ready.port !== 'number') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const port = ready.port;
      resolve({
        name,
        port,
        url: `http://127.0.0.1:${port}`,
        cpuMicros: () => cpuOf(child, name),
        stop: () => stopChild(child),
      });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningRedis {
  url: string;
  stop(): Promise<void>;
}

/** A throwaway redis-server on loopback (no persistence), for the Redis scenarios. */
export async function startRedisServer(): Promise<RunningRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'expresskit-bench-redis-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  cleanups.add(removeDir);
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  children.add(child);
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    removeDir();
    cleanups.delete(removeDir);
  };
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return { url, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      client.disconnect();
    }
  }
  await stop();
  throw new Error('redis-server did not start (is it installed? `apt-get install redis-server`)');
}
