import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './app-process.js';
import { trackChild } from './children.js';

/** The built server of scenario 6; `pnpm --filter @expresskit/reliability run build` makes it. */
export const cacheSafetyServerScript = path.join(repoRoot, 'reliability/dist/lib/cache-safety-server.js');

export interface CacheSafetyServer {
  readonly name: string;
  readonly url: string;
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `cache-safety-server.js` on Express `major` against `redisUrl` and waits for its "listening" line. */
export async function startCacheSafetyServer(name: string, major: 4 | 5, redisUrl: string): Promise<CacheSafetyServer> {
  if (!existsSync(cacheSafetyServerScript)) {
    throw new Error(
      `${cacheSafetyServerScript} is missing: run \`pnpm --filter @expresskit/reliability run build\` first`,
    );
  }
  const child = spawn(process.execPath, [cacheSafetyServerScript], {
    env: { ...process.env, NAME: name, EXPRESS_MAJOR: String(major), REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not listening within 30 s:\n${output}`)), 30_000);
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    name,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
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
