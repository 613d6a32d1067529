import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** An instance of the API that the load test started and will stop. */
export interface OwnServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `dist/server.js` on a free loopback port with memory stores and `RATE_LIMIT=60000000`
 * (the most it accepts): the load test measures the API, not the limiter, whose 429s would
 * otherwise count as errors after the first 600 requests.
 */
export async function startOwnServer(): Promise<OwnServer> {
  const port = await freePort();
  const entry = fileURLToPath(new URL('../server.js', import.meta.url));
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: String(port), RATE_LIMIT: '60000000', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLine(child, 'listening on', 60_000);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitForLine(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} before listening`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
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
