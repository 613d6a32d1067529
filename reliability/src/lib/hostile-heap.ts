import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AppProcess, repoRoot } from './app-process.js';

/** The built preload (`hostile-heap-probe.ts`); `pnpm --filter @expresskit/reliability run build` makes it. */
export const heapProbeScript = path.join(repoRoot, 'reliability/dist/lib/hostile-heap-probe.js');

/** `node` flags that load the heap probe into an app process. */
export function heapProbeArgs(): string[] {
  if (!existsSync(heapProbeScript)) {
    throw new Error(`${heapProbeScript} is missing: run \`pnpm --filter @expresskit/reliability run build\` first`);
  }
  return ['--expose-gc', '--import', pathToFileURL(heapProbeScript).href];
}

export interface HeapReading {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Enumerable keys of `Object.prototype` in the app process: anything here is prototype pollution. */
  prototypeKeys: string[];
}

/**
 * Asks the app process for its memory after forced full GCs (SIGUSR2 → the probe prints
 * `heap-probe <n> {…}`) and resolves with the n-th reading. `n` counts the probes of this process.
 */
export async function readHeap(app: AppProcess, n: number, timeoutMs = 30_000): Promise<HeapReading> {
  const pattern = new RegExp(`^heap-probe ${n} (\\{.*\\})$`, 'm');
  app.child.kill('SIGUSR2');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(app.output());
    if (match?.[1]) return JSON.parse(match[1]) as HeapReading;
    if (Date.now() > until)
      throw new Error(`${app.name}: no heap probe ${n} within ${timeoutMs} ms:\n${app.output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
