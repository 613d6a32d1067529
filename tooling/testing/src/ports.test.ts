import net from 'node:net';
import { expect, it } from 'vitest';
import { freeClusterPort, freePort } from './ports.js';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
  });
}

it('freePort returns a port that can be bound', async () => {
  const port = await freePort();
  expect(port).toBeGreaterThan(0);
  const server = await listen(port);
  await new Promise((resolve) => server.close(resolve));
});

it('freeClusterPort returns a port whose bus port (+10000) is free too, avoiding taken ones', async () => {
  const first = await freeClusterPort();
  const second = await freeClusterPort(new Set([first]));
  expect(second).not.toBe(first);
  for (const port of [first, first + 10_000, second, second + 10_000]) {
    const server = await listen(port);
    await new Promise((resolve) => server.close(resolve));
  }
});
