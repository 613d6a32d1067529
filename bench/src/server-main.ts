// Child process entry: `node dist/server-main.js <server-name>` starts one bench server on
// 127.0.0.1 (a free port) and reports `{ type: 'ready', port }` over IPC. Asked `{ type: 'cpu' }`,
// it answers `{ type: 'cpu', micros }`: the CPU time (user + system) this process has used. It
// stops on SIGTERM, SIGINT or when the parent goes away (IPC disconnect), so no server outlives
// the bench.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isServerName, SERVERS } from './servers/index.js';

const name = process.argv[2] ?? '';
if (!isServerName(name)) {
  console.error(`bench server: unknown server "${name}"`);
  process.exit(2);
}

const bench = await SERVERS[name]({ redisUrl: process.env.BENCH_REDIS_URL });
const server = createServer(bench.handler);
server.keepAliveTimeout = 30_000;

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  const forced = setTimeout(() => process.exit(1), 5000);
  forced.unref();
  try {
    await bench.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
process.on('message', (message: { type?: string }) => {
  if (message.type !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send?.({ type: 'cpu', micros: user + system });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
});
