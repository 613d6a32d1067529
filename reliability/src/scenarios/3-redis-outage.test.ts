import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AppProcess, startAppProcess, stopAllApps } from '../lib/app-process.js';
import { type LoadResponse, readMix, startLoad } from '../lib/outage-load.js';
import {
  type Answer,
  type BusTrial,
  busTrial,
  type InstanceState,
  instanceState,
  probeQuota,
  probeSharedQuota,
  send,
  sleep,
} from '../lib/outage-probes.js';
import { percentile } from '../lib/redis-backends.js';
import { recordCase } from '../lib/results.js';

/** Each probe client's quota: 10 per day, so nothing comes back during the run (exact counts). */
const LIMIT = 10;
const PROBE = LIMIT + 5;
const POLICY = '"per-day";q=10;w=86400';
const QUOTA_EXCEEDED = 'tag:expresskit.dev,2026:quota-exceeded';
/** The app's REDIS_TIMEOUT, and the least margin the outage p99 may exceed it by (see the .md). */
const REDIS_TIMEOUT_MS = 250;
const P99_MARGIN_MS = 100;
const OUTAGE_MS = 10_000;
/** Recovery must come within this after Redis answers again: ioredis' 2 s reconnect backoff, the breaker's 1 s probe interval and the 1 s readiness cache, with margin for a loaded machine. */
const RECOVERY_BOUND_MS = 15_000;
const BUS_BOUND_MS = 100;
const WRITE_IDS = [9001, 9002, 9003, 9004, 9005];

type Phase = 'before' | 'during' | 'after';

describeRedis('3. Redis killed under load', () => {
  let redis: RedisServer;
  let dir: string;
  let apps: AppProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-outage-'));
    const env = {
      REDIS_URL: redis.url,
      REDIS_TIMEOUT: `${REDIS_TIMEOUT_MS}ms`,
      DATABASE_FILE: path.join(dir, 'catalog.sqlite'),
      RATE_LIMIT: String(LIMIT),
      RATE_LIMIT_WINDOW: '1d',
      TRUST_PROXY: 'loopback',
      CURSOR_SECRET: 'reliability-suite-cursor-secret',
      // Load shedding is not this scenario's subject: see the .md.
      MAX_EVENT_LOOP_DELAY: '10s',
    };
    // One after the other: the first seeds the shared database file.
    apps = [await startAppProcess({ name: 'a', env }), await startAppProcess({ name: 'b', env })];
  });
  afterAll(async () => {
    await stopAllApps();
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('2 processes keep serving through a 10 s outage, limit per instance, and recover without a restart', async () => {
    const [a, b] = apps as [AppProcess, AppProcess];
    const responses: LoadResponse[] = [];
    let requestsSent = 0;
    const sent = () => requestsSent;
    const other: Answer[] = []; // every probe, write and poll answer, for the 5xx count
    const track = (answer: Answer): Answer => {
      other.push(answer);
      return answer;
    };

    // Load on both instances, and a writer: every second a read-then-PATCH (If-Match) through A or B.
    const loads = [a, b].map((app, i) =>
      startLoad(app.url, {
        connections: 4,
        overallRate: 100,
        requests: readMix(
          i + 1,
          (r) => responses.push(r),
          () => requestsSent++,
        ),
        maxSeconds: 150,
      }),
    );
    const writes: Array<{ phase: Phase; read: number; write: number }> = [];
    let phase: Phase = 'before';
    let writing = true;
    const writer = (async () => {
      for (let k = 0; writing; k++) {
        const app = k % 2 === 0 ? a : b;
        const id = WRITE_IDS[k % WRITE_IDS.length];
        const headers = { 'X-Forwarded-For': `198.51.100.${k % 250}` };
        const read = track(await send(`${app.url}/products/${id}`, { headers }));
        const etag = read.headers.get('etag') ?? '"none"';
        const write = track(
          await send(`${app.url}/products/${id}`, {
            method: 'PATCH',
            headers: { ...headers, 'Content-Type': 'application/json', 'If-Match': etag },
            body: JSON.stringify({ stock: k }),
          }),
        );
        writes.push({ phase, read: read.status, write: write.status });
        await sleep(1_000);
      }
    })();

    // Warm up, then a steady period with Redis up: the quota is shared by the two instances.
    await sleep(4_000);
    const steadyFrom = Date.now();
    // Redis up: readiness passes and the limiter uses Redis. A PING slower than REDIS_TIMEOUT (event-
    // loop lag on a loaded machine) makes one readiness run `warn`, so poll for up to 5 s.
    let statesBefore: InstanceState[] = [];
    for (let poll = 0; poll < 50; poll++) {
      statesBefore = await Promise.all([a, b].map((app) => instanceState(app.url)));
      if (statesBefore.every((s) => s.ready === '200 pass' && s.degraded === 0)) break;
      await sleep(100);
    }
    const shared = await probeSharedQuota([a, b], (n) => `192.0.2.${10 + n}`, PROBE);
    await sleep(Math.max(0, 5_000 - (Date.now() - steadyFrom)));

    // The outage: redis-server is killed (SIGKILL) and started again on the same port 10 s later.
    const killedAt = Date.now();
    phase = 'during';
    await redis.stop();
    const duringStates: InstanceState[][] = [];
    const outageSeen = async (): Promise<boolean> => {
      const states = await Promise.all([a, b].map((app) => instanceState(app.url)));
      duringStates.push(states);
      return states.every((s) => s.degraded === 1 && s.ready === '200 warn');
    };
    while (!(await outageSeen()) && Date.now() - killedAt < OUTAGE_MS - 3_000) await sleep(250);
    const degradedAfterMs = Date.now() - killedAt;
    // One client, 15 requests to A then 15 to B: each instance's local fallback allows it 10.
    const fallbackA = await probeQuota([a], '192.0.2.2', PROBE);
    const fallbackB = await probeQuota([b], '192.0.2.2', PROBE);
    // No bus message can arrive while Redis is down, so any remote invalidation counted after the
    // restart is a bus subscribing again (its L1 flush) or delivering: the bus is back.
    while (Date.now() - killedAt < OUTAGE_MS - 2_000) {
      await outageSeen();
      await sleep(250);
    }
    writing = false;
    const remoteBefore = await Promise.all([a, b].map((app) => instanceState(app.url)));
    while (Date.now() - killedAt < OUTAGE_MS) await sleep(10);
    const restartAt = Date.now();
    await redis.start();
    const upAt = Date.now();
    phase = 'after';

    // Recovery: each signal's first moment back, polled every 100 ms.
    const back: Record<string, number> = {};
    while (Object.keys(back).length < 6 && Date.now() - upAt < RECOVERY_BOUND_MS) {
      const states = await Promise.all([a, b].map((app) => instanceState(app.url)));
      states.forEach((s, i) => {
        const name = i === 0 ? 'a' : 'b';
        const since = (remoteBefore[i] as InstanceState).remoteInvalidations;
        if (s.ready === '200 pass') back[`ready ${name}`] ??= Date.now() - upAt;
        if (s.degraded === 0) back[`limiter ${name}`] ??= Date.now() - upAt;
        if (s.remoteInvalidations > since) back[`bus ${name}`] ??= Date.now() - upAt;
      });
      await sleep(100);
    }
    const recoveredAt = upAt + Math.max(...Object.values(back));
    const sharedAgain = await probeSharedQuota([a, b], (n) => `192.0.2.${20 + n}`, PROBE);
    await sleep(Math.max(0, 5_000 - (Date.now() - recoveredAt)));
    const totals = await Promise.all(loads.map((load) => load.stop()));
    await writer;

    // The bus after recovery, without load: B holds a product in its memory cache, A changes it;
    // five products, one after the other; the GET asserted is the one sent 100 ms after the PATCH.
    const trials: BusTrial[] = [];
    for (const [i, id] of [7, 8, 9, 10, 11].entries()) {
      trials.push(await busTrial(a.url, b.url, id, 4321 + i, BUS_BOUND_MS));
    }
    const trialStatuses = trials.flatMap((t) => t.statuses);

    // Figures.
    const inPhase = (p: Phase) =>
      responses.filter((r) =>
        p === 'before'
          ? r.at >= steadyFrom && r.at < killedAt
          : p === 'during'
            ? r.at >= killedAt && r.at < upAt
            : r.at >= recoveredAt,
      );
    const latency = (p: Phase, q: number) =>
      Math.round(
        percentile(
          inPhase(p).map((r) => r.latencyMs),
          q,
        ) * 10,
      ) / 10;
    const fiveXX = [
      ...responses.filter((r) => r.status >= 500).map((r) => `${r.status} ${r.path} ${r.body}`),
      ...other.filter((r) => r.status >= 500).map((r) => `${r.status} ${JSON.stringify(r.body)}`),
      ...trialStatuses.filter((status) => status >= 500).map(String),
    ];
    const unlimited = responses.filter((r) => !r.limited);
    const writeStatuses = (p: Phase) => writes.filter((w) => w.phase === p).map((w) => w.write);
    const count = (list: number[], status: number) => list.filter((s) => s === status).length;
    const recoveryMs = recoveredAt - upAt;
    // The outage may add one Redis timeout to the tail the machine has anyway with Redis up.
    const p99Bound = REDIS_TIMEOUT_MS + Math.max(P99_MARGIN_MS, latency('before', 99), latency('after', 99));
    const busMs = trials.map((t) => t.firstFreshMs ?? 'never');
    recordCase({
      scenario: '3-redis-outage',
      case: '2 processes, one Redis killed for 10 s',
      figures: {
        'load requests sent': sent(),
        'load requests answered': responses.length,
        'load errors and timeouts (autocannon)': totals.reduce((sum, t) => sum + t.errors + t.timeouts, 0),
        '5xx answers (whole run, all clients)': fiveXX.length,
        'load answers without RateLimit headers (fail-open)': unlimited.length,
        'load answers 429': count(
          responses.map((r) => r.status),
          429,
        ),
        'p50 / p99 before (ms)': `${latency('before', 50)} / ${latency('before', 99)}`,
        'p50 / p99 during the outage (ms)': `${latency('during', 50)} / ${latency('during', 99)}`,
        'max during the outage (ms)': latency('during', 100),
        'p99 bound: REDIS_TIMEOUT + max(100, p99 before, p99 after) (ms)': p99Bound,
        'p50 / p99 after recovery (ms)': `${latency('after', 50)} / ${latency('after', 99)}`,
        'answers before / during / after': `${inPhase('before').length} / ${inPhase('during').length} / ${inPhase('after').length}`,
        'REDIS_TIMEOUT (ms)': REDIS_TIMEOUT_MS,
        'outage: redis-server down (ms)': restartAt - killedAt,
        'both instances degraded and readiness warn after (ms)': degradedAfterMs,
        'readiness during the outage (a, b)': [
          ...new Set(duringStates.map((s) => s.map((x) => x.ready).join(', '))),
        ].join(' | '),
        'one client, Redis up: allowed / limited across a+b': `${sum(shared.probe.allowed)} / ${sum(shared.probe.limited)}`,
        'one client, Redis up: attempts (last one all from Redis)': `${shared.attempts} (${shared.clean})`,
        'one client, outage: allowed / limited at a (fallback)': `${sum(fallbackA.allowed)} / ${sum(fallbackA.limited)}`,
        'one client, outage: allowed / limited at b (fallback)': `${sum(fallbackB.allowed)} / ${sum(fallbackB.limited)}`,
        'one client, recovered: allowed / limited across a+b': `${sum(sharedAgain.probe.allowed)} / ${sum(sharedAgain.probe.limited)}`,
        'one client, recovered: attempts (last one all from Redis)': `${sharedAgain.attempts} (${sharedAgain.clean})`,
        'recovery after Redis answered (ms)': recoveryMs,
        ...Object.fromEntries(Object.entries(back).map(([signal, ms]) => [`recovery: ${signal} back after (ms)`, ms])),
        'writes before / during: 200, 412': `${count(writeStatuses('before'), 200)}, ${count(writeStatuses('before'), 412)} / ${count(writeStatuses('during'), 200)}, ${count(writeStatuses('during'), 412)}`,
        'b answers the new version to a GET sent 100 ms after the PATCH (of 5)': trials.filter(
          (t) => t.seen === t.patched,
        ).length,
        'b first answered the new version after (ms), 5 products': busMs.join(', '),
      },
    });

    // Nothing failed: no 5xx from anyone, autocannon saw no error, the limiter decided every request.
    expect(fiveXX.slice(0, 3)).toEqual([]);
    expect(fiveXX.length).toBe(0);
    expect(totals.map((t) => [t.errors, t.timeouts, t.non2xx])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(unlimited.length).toBe(0);
    expect(writes.map((w) => w.read)).toEqual(writes.map(() => 200));
    expect(writes.every((w) => w.write === 200 || (w.write === 412 && w.phase === 'during'))).toBe(true);
    expect(writeStatuses('before').length).toBeGreaterThan(0);
    expect(writeStatuses('during').length).toBeGreaterThan(0);
    expect(statesBefore.map((s) => [s.ready, s.degraded])).toEqual([
      ['200 pass', 0],
      ['200 pass', 0],
    ]);
    // Redis up: one quota for the two instances.
    expect(shared.clean).toBe(true);
    expect(shared.probe).toEqual(quota({ a: 5, b: 5 }, { a: 3, b: 2 }));
    // Outage: readiness warn (200: the Redis check is not critical), the limiter on its fallback,
    // which limits per instance (10 at A and 10 more at B), with the same headers and 429 problem.
    expect(duringStates.at(-1)?.map((s) => [s.ready, s.degraded])).toEqual([
      ['200 warn', 1],
      ['200 warn', 1],
    ]);
    expect(fallbackA).toEqual(quota({ a: LIMIT }, { a: 5 }));
    expect(fallbackB).toEqual(quota({ b: LIMIT }, { b: 5 }));
    expect(inPhase('during').length).toBeGreaterThan(0);
    expect(latency('during', 99)).toBeLessThan(p99Bound);
    // Recovery without a restart: readiness passes, the limiter is back on Redis (one quota again),
    // and the bus resubscribed (its L1 flush), on both instances.
    expect(Object.keys(back).sort()).toEqual(['bus a', 'bus b', 'limiter a', 'limiter b', 'ready a', 'ready b']);
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(sharedAgain.clean).toBe(true);
    expect(sharedAgain.probe).toEqual(quota({ a: 5, b: 5 }, { a: 3, b: 2 }));
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // Writes through A after recovery reach B's memory cache over the bus: a GET sent to B 100 ms
    // after the PATCH's answer gets the new ETag and body, for every one of the five.
    expect(
      trials.map((t) => [t.cachedAtB, t.patchStatus, t.seen === t.patched, t.seen !== t.before, t.seenStock]),
    ).toEqual([
      ['HIT', 200, true, true, 4321],
      ['HIT', 200, true, true, 4322],
      ['HIT', 200, true, true, 4323],
      ['HIT', 200, true, true, 4324],
      ['HIT', 200, true, true, 4325],
    ]);
  });
});

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((total, n) => total + n, 0);
}

/** The probe result of a client whose every answer the limiter decided (200 or a 429 quota-exceeded). */
function quota(allowed: Record<string, number>, limited: Record<string, number>) {
  return { allowed, limited, other: [], policies: [POLICY], limitedTypes: [QUOTA_EXCEEDED] };
}
