import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningServer, startServer } from './processes.js';

// The built child entry (the test task runs after the package's build).
const MAIN = fileURLToPath(new URL('../../dist/server-main.js', import.meta.url));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer('express', undefined, [], MAIN);
}, 30_000);
afterAll(() => server.stop());

it('a server process answers, and reports the CPU time it used over IPC', async () => {
  const before = await server.cpuMicros();
  expect(Number.isInteger(before)).toBe(true);
  expect(before).toBeGreaterThan(0);
  for (let i = 0; i < 50; i++) {
    const response = await fetch(`${server.url}/products`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as unknown[]).length).toBe(20);
  }
  const after = await server.cpuMicros();
  // Fifty requests cost the server some CPU time (far more than the 1 µs resolution).
  expect(after).toBeGreaterThan(before);
});

it('an unknown server name fails to start with its exit code', async () => {
  await expect(startServer('nope', undefined, [], MAIN)).rejects.toThrow(
    'bench server "nope" exited before listening (code 2, signal null)',
  );
});
