import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { EXPECTED_STATUSES, readPaths, requestMix } from './mix.js';
import { cacheCounters, hitRatio, verdict } from './report.js';
import { type OwnServer, startOwnServer } from './server.js';

const USAGE = `Usage: pnpm loadtest [--url http://127.0.0.1:3000] [--duration 10] [--warmup 3] [--connections 10]

Without --url, starts its own instance (memory stores, rate limit raised out of the way).
Only loopback URLs are accepted: this is a local benchmark, not a tool to load someone's server.`;

interface Options {
  url: string | undefined;
  durationS: number;
  warmupS: number;
  connections: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  if (values.url !== undefined) {
    const { hostname } = new URL(values.url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
      throw new Error(`--url must be a loopback address (127.0.0.1, localhost, [::1]), got "${hostname}"`);
    }
  }
  return {
    url: values.url?.replace(/\/$/, ''),
    durationS: number('duration', values.duration, 1, 600),
    warmupS: number('warmup', values.warmup, 0, 60),
    connections: number('connections', values.connections, 1, 1000),
  };
}

async function scrapeCacheCounters(url: string): Promise<Record<string, number>> {
  const token = process.env.METRICS_TOKEN;
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status} (set METRICS_TOKEN if the instance needs one)`);
  return cacheCounters(await res.text());
}

/** Requests every read URL of the mix once, `concurrency` at a time, so that the cache is warm. */
async function prime(url: string, concurrency: number): Promise<void> {
  const paths = readPaths();
  console.log(`Priming the cache with the ${paths.length} read URLs of the mix…`);
  const queue = [...paths];
  const worker = async (): Promise<void> => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const res = await fetch(`${url}${path}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`priming: GET ${path} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** One measured autocannon run with a live progress line; resolves with its figures. */
async function measure(url: string, options: Options) {
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let unexpected = 0;
  const mix = requestMix();
  const started = Date.now();
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, connections: options.connections, duration: options.durationS, requests: mix.requests },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      latenciesMs.push(responseTimeMs);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (!EXPECTED_STATUSES.has(status)) unexpected++;
    });
  });
  const progress = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    const line = `  ${elapsed.toFixed(0)} s  ${latenciesMs.length} requests  ${(latenciesMs.length / elapsed).toFixed(0)} req/s  ${unexpected} errors`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
  }, 1000);
  progress.unref();
  const result = await finished;
  clearInterval(progress);
  if (process.stderr.isTTY) process.stderr.write('\n');
  return {
    latenciesMs,
    unexpected,
    socketErrors: result.errors,
    durationS: result.duration,
    writes: mix.writes,
    statuses: [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status} × ${n}`),
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  let own: OwnServer | undefined;
  try {
    if (!options.url) {
      own = await startOwnServer();
      console.log(`Started an instance on ${own.url} (RATE_LIMIT=60000000: the limiter is not what is measured)`);
    } else {
      console.log(`Loading ${options.url}: its RATE_LIMIT must be high enough, or its 429s count as errors`);
    }
    const url = options.url ?? own?.url ?? '';
    await prime(url, options.connections);
    if (options.warmupS > 0) {
      console.log(`Warming up for ${options.warmupS} s (not measured)…`);
      await autocannon({
        url,
        connections: options.connections,
        duration: options.warmupS,
        requests: requestMix(2).requests,
      });
    }
    console.log(`Measuring for ${options.durationS} s with ${options.connections} connections…`);
    const before = await scrapeCacheCounters(url);
    const run = await measure(url, options);
    const after = await scrapeCacheCounters(url);
    const { lines, passed } = verdict({
      requests: run.latenciesMs.length + run.socketErrors,
      durationS: run.durationS,
      latenciesMs: run.latenciesMs,
      errors: run.unexpected + run.socketErrors,
      hitRatio: hitRatio(before, after),
    });
    console.log(
      [
        '',
        ...lines.slice(0, 1),
        `mix           ${run.writes} PATCH; statuses ${run.statuses.join(', ')}`,
        ...lines.slice(1),
      ].join('\n'),
    );
    process.exitCode = passed ? 0 : 1;
  } finally {
    await own?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
