// `pnpm --filter @expresskit/bench inprocess <server> <server> … [--rounds n] [--requests n] [--concurrency k] [--path p]`:
// the JavaScript cost of a request to each bench server, without sockets or a load generator. Each
// run is a new Node process (`inprocess.js --run <server>`) that sends GET requests straight into
// the server's handler over an in-memory socket, `--concurrency` at a time, and reports µs per
// request (wall and CPU) after a warm-up. Runs alternate between the servers (A B, B A, …). On a
// shared 2-core machine, loopback runs carry the kernel's and autocannon's share of the work and
// swing ±5 % per round; these runs resolve a difference of 1–2 µs, which is what a middleware's
// own cost is. They do not replace the HTTP bench: no parser, no syscalls, no keep-alive.
import { execFileSync } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './runner/stats.js';
import { isServerName, SERVERS } from './servers/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    run: { type: 'string' },
    rounds: { type: 'string', default: '8' },
    requests: { type: 'string', default: '60000' },
    warmup: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '10' },
    path: { type: 'string', default: '/products' },
  },
});

interface RunResult {
  server: string;
  /** Wall-clock µs per request. */
  wall: number;
  /** Process CPU µs per request (main thread and the garbage collector's helper threads). */
  cpu: number;
}

/** A socket that accepts every write and never produces data. */
class NullSocket extends Duplex {
  override _read(): void {}
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
  override _writev(_chunks: unknown[], callback: () => void): void {
    callback();
  }
}

const RAW_HEADERS = ['Host', '127.0.0.1', 'User-Agent', 'expresskit-bench', 'Accept', '*/*'];

async function runOne(name: string): Promise<RunResult> {
  if (!isServerName(name)) throw new Error(`unknown server "${name}"`);
  const bench = await SERVERS[name]({ redisUrl: undefined });
  const { handler } = bench;
  const sockets = Array.from({ length: Number(values.concurrency) }, () => new NullSocket() as unknown as Socket);
  const request = (socket: Socket): Promise<number> =>
    new Promise((resolve) => {
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = values.path;
      req.httpVersion = '1.1';
      req.httpVersionMajor = 1;
      req.httpVersionMinor = 1;
      req.rawHeaders = RAW_HEADERS;
      req.complete = true;
      req.push(null);
      const res = new ServerResponse(req);
      res.assignSocket(socket);
      res.on('finish', () => {
        res.detachSocket(socket);
        resolve(res.statusCode);
      });
      handler(req, res);
    });
  const run = async (total: number): Promise<void> => {
    const each = Math.ceil(total / sockets.length);
    await Promise.all(
      sockets.map(async (socket) => {
        for (let i = 0; i < each; i++) {
          const status = await request(socket);
          if (status !== 200) throw new Error(`${name}: answered ${status}, expected 200`);
        }
      }),
    );
  };
  await run(Number(values.warmup));
  const requests = Math.ceil(Number(values.requests) / sockets.length) * sockets.length;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run(requests);
  const wall = Number(process.hrtime.bigint() - start) / 1000;
  const used = process.cpuUsage(cpu);
  await bench.close();
  return { server: name, wall: wall / requests, cpu: (used.user + used.system) / requests };
}

if (values.run !== undefined) {
  console.log(JSON.stringify(await runOne(values.run)));
  process.exit(0);
}

if (positionals.length < 2 || !positionals.every(isServerName)) {
  console.error('usage: inprocess <server> <server> … [--rounds n] [--requests n] [--concurrency k] [--path p]');
  console.error('servers are the names of src/servers/index.ts, e.g. etag/ours etag/express-strong');
  process.exit(2);
}
const self = fileURLToPath(import.meta.url);
const results = new Map<string, RunResult[]>(positionals.map((name) => [name, []]));
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? positionals : [...positionals].reverse();
  for (const name of order) {
    const args = [self, '--run', name];
    for (const option of ['requests', 'warmup', 'concurrency', 'path'] as const)
      args.push(`--${option}`, values[option]);
    const output = execFileSync(process.execPath, args, {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '') as RunResult;
    results.get(name)?.push(result);
    console.error(
      `  round ${round + 1} ${name.padEnd(24)} ${result.wall.toFixed(1)} µs wall  ${result.cpu.toFixed(1)} µs CPU`,
    );
  }
}
const [baseline] = positionals as [string];
const baseWall = median((results.get(baseline) ?? []).map((r) => r.wall));
console.log(`median µs per request (${values.rounds} rounds, concurrency ${values.concurrency}):`);
for (const [name, runs] of results) {
  const wall = median(runs.map((r) => r.wall));
  const cpu = median(runs.map((r) => r.cpu));
  console.log(
    `  ${name.padEnd(24)} wall ${wall.toFixed(1).padStart(6)}  CPU ${cpu.toFixed(1).padStart(6)}  time vs ${baseline} ${(wall / baseWall).toFixed(3)}×`,
  );
}
