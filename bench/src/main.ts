// `pnpm bench`: every scenario's contenders in their own server processes, autocannon from this
// process, contenders interleaved round by round; writes the Markdown report (see runner/options.ts).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MICRO_SCENARIOS, type MicroScenario } from './micro.js';
import { type RunInfo, renderReport, type ScenarioResult } from './report.js';
import { load } from './runner/load.js';
import { type BenchOptions, parseOptions, USAGE } from './runner/options.js';
import {
  installCleanup,
  type RunningRedis,
  type RunningServer,
  runNodeChild,
  startRedisServer,
  startServer,
} from './runner/processes.js';
import {
  combineSlices,
  evaluateTargets,
  roundOrder,
  type Sample,
  type Slice,
  sliceOrder,
  summarize,
} from './runner/stats.js';
import { type Contender, SCENARIOS, type Scenario } from './scenarios.js';

const IDS = [...SCENARIOS, ...MICRO_SCENARIOS].map((scenario) => scenario.id);

async function requestHeaders(contender: Contender, server: RunningServer): Promise<Record<string, string>> {
  // autocannon sends no Accept-Encoding: learn the identity variant's ETag, as the load will see it.
  const response = await fetch(server.url + contender.path, { headers: { 'accept-encoding': 'identity' } });
  await response.arrayBuffer();
  if (!contender.conditional) {
    if (response.status !== contender.status) {
      throw new Error(`${contender.id}: first request answered ${response.status}, expected ${contender.status}`);
    }
    return {};
  }
  const tag = response.headers.get('etag');
  if (!tag) throw new Error(`${contender.id}: no ETag to send in If-None-Match`);
  return { 'if-none-match': tag };
}

/** A contender's server in this round and the request headers its load sends. */
type Target = { contender: Contender; server: RunningServer; headers: Record<string, string> };

/** One round's servers: every contender of the scenario in a new process. */
interface RoundServers {
  targets: Map<string, Target>;
  stop(): Promise<void>;
}

/**
 * Starts the scenario's servers for one round. Every round gets new processes: what a process
 * happens to get (JIT decisions, heap layout) shifts its speed by several per cent for its whole
 * life, so rounds on the same processes would repeat that bias instead of sampling it.
 */
async function startRound(scenario: Scenario, redisUrl: string | undefined): Promise<RoundServers> {
  const servers: RunningServer[] = [];
  const stop = () => Promise.all(servers.map((server) => server.stop())).then(() => undefined);
  try {
    for (const contender of scenario.contenders) servers.push(await startServer(contender.server, redisUrl));
    const targets: RoundServers['targets'] = new Map();
    for (const [i, contender] of scenario.contenders.entries()) {
      const server = servers[i] as RunningServer;
      const headers = await requestHeaders(contender, server);
      targets.set(contender.id, { contender, server, headers });
    }
    return { targets, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function loadOf(
  contender: Contender,
  server: RunningServer,
  headers: Record<string, string>,
  options: BenchOptions,
  duration: number,
): Promise<Sample> {
  return load({
    url: server.url + contender.path,
    headers,
    duration,
    connections: options.connections,
    status: contender.status,
  });
}

/** One slice of measured load, with the server process's CPU time during it. */
async function measureSlice(target: Target, options: BenchOptions, seconds: number): Promise<Slice> {
  const before = await target.server.cpuMicros();
  const sample = await loadOf(target.contender, target.server, target.headers, options, seconds);
  const cpuMicros = (await target.server.cpuMicros()) - before;
  return {
    requests: sample.requests ?? 0,
    seconds: sample.seconds ?? seconds,
    p50: sample.p50 ?? 0,
    p99: sample.p99 ?? 0,
    cpuMicros,
  };
}

/**
 * One round on fresh servers: all of them warmed up at once, then each contender's measured
 * seconds cut into slices run alternately (A B, B A, A B …). The speed of this machine drifts
 * over seconds; slices of half a second let a slow spell fall on every contender instead of on
 * whichever ran through it.
 */
async function runRound(
  scenario: Scenario,
  options: BenchOptions,
  redisUrl: string | undefined,
  round: number,
): Promise<Map<string, Sample>> {
  const servers = await startRound(scenario, redisUrl);
  try {
    const targets = [...servers.targets.values()];
    await Promise.all(targets.map((t) => loadOf(t.contender, t.server, t.headers, options, options.warmup)));
    const slices = new Map<string, Slice[]>(scenario.contenders.map((c) => [c.id, []]));
    const order = roundOrder(scenario.contenders, round);
    for (let slice = 0; slice < options.slices; slice++) {
      for (const contender of sliceOrder(order, slice)) {
        const target = servers.targets.get(contender.id);
        if (!target) throw new Error(`unknown contender ${contender.id}`);
        slices.get(contender.id)?.push(await measureSlice(target, options, options.duration / options.slices));
      }
    }
    return new Map([...slices].map(([id, measured]) => [id, combineSlices(measured)]));
  } finally {
    await servers.stop();
  }
}

async function runScenario(
  scenario: Scenario,
  options: BenchOptions,
  redis: () => Promise<RunningRedis>,
): Promise<ScenarioResult> {
  const base = { id: scenario.id, title: scenario.title, about: scenario.about, baseline: scenario.baseline };
  try {
    const redisUrl = scenario.redis ? (await redis()).url : undefined;
    const samples = new Map<string, Sample[]>(scenario.contenders.map((c) => [c.id, []]));
    for (let round = 0; round < options.rounds; round++) {
      const measured = await runRound(scenario, options, redisUrl, round);
      for (const contender of scenario.contenders) {
        const sample = measured.get(contender.id) as Sample;
        samples.get(contender.id)?.push(sample);
        console.log(
          `  round ${round + 1} ${contender.id.padEnd(18)} ${sample.rps.toFixed(0).padStart(7)} req/s  p50 ${sample.p50} ms  p99 ${sample.p99} ms  ${sample.cpu?.toFixed(1)} µs CPU/req`,
        );
      }
    }
    return {
      ...base,
      unit: 'req/s',
      rows: summarize(scenario.contenders, scenario.baseline, samples),
      targets: evaluateTargets(scenario.targets, samples),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  FAILED: ${message}`);
    return { ...base, unit: 'req/s', rows: [], targets: [], error: message };
  }
}

/** Runs a micro scenario in a fresh Node process (`micro-main.ts`) and reads its samples back. */
async function runMicroScenario(scenario: MicroScenario, options: BenchOptions): Promise<ScenarioResult> {
  const { id, title, about, baseline, targets } = scenario;
  const base = { id, title, about, baseline, unit: 'ops/s' } as const;
  const sliceMs = Math.max(200, options.duration * 400);
  const child = fileURLToPath(new URL('./micro-main.js', import.meta.url));
  let samples: Map<string, Sample[]>;
  try {
    // Rounds plus the warm-up of every contender, with room for a slow machine.
    const expected = (options.rounds + 0.5) * scenario.contenders.length * sliceMs;
    const stdout = await runNodeChild(child, [id, String(options.rounds), String(sliceMs)], 4 * expected + 60_000);
    samples = new Map(Object.entries(JSON.parse(stdout) as Record<string, Sample[]>));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  FAILED: ${message}`);
    return { ...base, rows: [], targets: [], error: message };
  }
  const contenders = scenario.contenders.map((contender) => ({ id: contender.id, label: contender.label }));
  for (const contender of contenders) {
    const rates = samples.get(contender.id)?.map((s) => s.rps.toFixed(1)) ?? [];
    console.log(`  ${contender.id.padEnd(22)} ${rates.join('  ')} ops/s`);
  }
  return {
    ...base,
    targets: evaluateTargets(targets, samples),
    rows: summarize(contenders, baseline, samples),
  };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), IDS);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(`${USAGE}\nscenarios: ${IDS.join(', ')}`);
    return 2;
  }
  installCleanup();
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const selected = (id: string) => options.only === undefined || options.only.includes(id);
  let redis: RunningRedis | undefined;
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS.filter((s) => selected(s.id))) {
      console.log(`\n${scenario.title}`);
      results.push(
        await runScenario(scenario, options, async () => {
          redis ??= await startRedisServer();
          return redis;
        }),
      );
    }
    for (const scenario of MICRO_SCENARIOS.filter((s) => selected(s.id))) {
      console.log(`\n${scenario.title}`);
      results.push(await runMicroScenario(scenario, options));
    }
  } finally {
    await redis?.stop();
  }
  const cpu = cpus();
  const info: RunInfo = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    memoryGiB: totalmem() / 2 ** 30,
    os: `${type()} ${release()}`,
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
    mode: options.quick ? 'quick (smoke run, not for publishing)' : 'full',
    rounds: options.rounds,
    duration: options.duration,
    warmup: options.warmup,
    slices: options.slices,
    connections: options.connections,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
  // Relative to bench/ (where RESULTS.md lives); an absolute path is taken as it is.
  const out = path.resolve(fileURLToPath(new URL('..', import.meta.url)), options.out);
  writeFileSync(out, renderReport(info, results));
  const failed = results.filter((result) => result.error);
  const missed = results.flatMap((result) => result.targets.filter((target) => !target.met).map(() => result.id));
  console.log(`\nwrote ${out} in ${Math.round(info.elapsedSeconds)} s`);
  console.log(
    `${failed.length} scenario(s) failed, ${missed.length} target(s) not met${missed.length ? `: ${missed.join(', ')}` : ''}`,
  );
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
