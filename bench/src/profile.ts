// `pnpm --filter @expresskit/bench profile <server> <server> [--rounds n] [--duration s] [--path p]`:
// where does a gap between two bench servers come from? Both run in their own process under the
// V8 sampling profiler (`--cpu-prof`), loaded alternately (A B, B A, …) with the same autocannon
// load, so a slow phase of a noisy machine hits both. Prints each one's busy CPU per request and
// the functions whose self time per request differs most. req/s swings ±20 % on a shared 2-core
// machine; CPU per request from interleaved profiles resolves differences of a few µs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { installCleanup, type RunningServer, startRedisServer, startServer } from './runner/processes.js';
import { type CpuProfile, compareSelfTimes, formatComparison, selfTimePerRequest } from './runner/profile-stats.js';
import { isServerName } from './servers/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '3' },
    path: { type: 'string', default: '/products' },
    top: { type: 'string', default: '30' },
  },
});
const names = positionals;
if (names.length !== 2 || !names.every(isServerName)) {
  console.error('usage: profile <server> <server> [--rounds n] [--duration s] [--path p] [--top n]');
  console.error('servers are the names of src/servers/index.ts, e.g. etag/ours etag/express-strong');
  process.exit(2);
}
const rounds = Number(values.rounds);
const duration = Number(values.duration);

installCleanup();
const redis = names.some((name) => name.includes('redis')) ? await startRedisServer() : undefined;
const contenders: { name: string; dir: string; server: RunningServer; requests: number }[] = [];
for (const name of names) {
  const dir = mkdtempSync(path.join(tmpdir(), 'expresskit-profile-'));
  const server = await startServer(name, redis?.url, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    '--cpu-prof-interval=100',
  ]);
  contenders.push({ name, dir, server, requests: 0 });
}
const url = (c: (typeof contenders)[number]) => `${c.server.url}${values.path}`;
for (const c of contenders) await autocannon({ url: url(c), duration: 2, connections: 10 });
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? contenders : [...contenders].reverse();
  for (const c of order) {
    const result = await autocannon({ url: url(c), duration, connections: 10 });
    c.requests += result.requests.total;
  }
}
// The profile is written when the server process exits (SIGTERM → process.exit(0)).
for (const c of contenders) await c.server.stop();
await redis?.stop();
const [a, b] = contenders.map((c) => {
  const file = readdirSync(c.dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`${c.name}: no CPU profile was written`);
  const profile = JSON.parse(readFileSync(path.join(c.dir, file), 'utf8')) as CpuProfile;
  rmSync(c.dir, { recursive: true, force: true });
  return { name: c.name, requests: c.requests, self: selfTimePerRequest(profile, c.requests) };
}) as [
  { name: string; requests: number; self: Map<string, number> },
  { name: string; requests: number; self: Map<string, number> },
];
console.log(formatComparison(a, b, compareSelfTimes(a.self, b.self).slice(0, Number(values.top))));
