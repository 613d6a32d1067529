import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRedis, freePort, type RedisCluster, startRedisCluster } from '@expresskit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Product } from './catalog/types.js';

/** The built entry point `pnpm start` runs (turbo builds before testing; run `pnpm run build` by hand otherwise). */
const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));

interface Server {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** Spawns the built server and resolves once it logs its URL (45 s on a loaded machine). */
async function start(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), CURSOR_SECRET: 'test-secret-0123456789', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 45_000;
  while (!stdout.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error('server did not start within 45 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url: `http://127.0.0.1:${port}`, stdout: () => stdout, exit };
}

/** `/health/ready`'s body once it passes (check results are reused for 1 s), or the last one after 20 s. */
async function readiness(server: Server): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const body = (await (await fetch(`${server.url}/health/ready`)).json()) as { status: string };
    if (body.status === 'pass' || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describeRedis('two built servers on a Redis Cluster (REDIS_CLUSTER_NODES) and one DATABASE_FILE', () => {
  let cluster: RedisCluster;
  let dir: string;
  let servers: Server[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-api-server-shared-'));
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(','),
      DATABASE_FILE: path.join(dir, 'catalog.sqlite'),
      // Readiness PINGs the Cluster; on a loaded machine the default 250 ms can pass before the reply is read.
      REDIS_TIMEOUT: '2s',
    };
    servers = await Promise.all([start(env), start(env)]);
  }, 120_000);
  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await server.exit;
    }
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('log the Cluster and the file, pass readiness, share writes and invalidations, exit 0 on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    const [a, b] = servers as [Server, Server];
    const file = path.join(dir, 'catalog.sqlite');
    for (const server of [a, b]) {
      expect(server.stdout()).toMatch(
        new RegExp(
          `^expresskit example API listening on http://localhost:\\d+ \\(Redis Cluster stores, database ${file.replaceAll('.', '\\.')}\\)\\n$`,
        ),
      );
      expect(await readiness(server)).toEqual({ status: 'pass' });
    }
    const cached = await fetch(`${b.url}/products/5`);
    const before = (await cached.json()) as Product;
    expect((await fetch(`${b.url}/products/5`)).headers.get('x-cache')).toBe('HIT');
    const patched = await fetch(`${a.url}/products/5`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'If-Match': cached.headers.get('etag') ?? '' },
      body: JSON.stringify({ stock: before.stock + 1 }),
    });
    expect(patched.status).toBe(200);
    // B drops its copy when the bus message arrives (tens of ms at most), then reads the new file.
    let fromB = (await (await fetch(`${b.url}/products/5`)).json()) as Product;
    for (let i = 0; i < 100 && fromB.stock !== before.stock + 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fromB = (await (await fetch(`${b.url}/products/5`)).json()) as Product;
    }
    expect(fromB).toEqual(await patched.json());
    for (const server of [a, b]) server.child.kill('SIGTERM');
    expect(await Promise.all([a.exit, b.exit])).toEqual([0, 0]);
  });
});
