import { describeRedis, type RedisServer, startRedis } from '@expresskit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AppProcess, startAppProcess, stopAllApps } from '../lib/app-process.js';
import { readMix, startLoad } from '../lib/outage-load.js';
import { sleep } from '../lib/outage-probes.js';
import { recordCase } from '../lib/results.js';
import { connectionLog, type ProbeOutcome, parseShutdownLog, probeNewConnection } from '../lib/shutdown-load.js';

/** The app's SHUTDOWN_DELAY and SHUTDOWN_TIMEOUT (the deadline the exit must beat). */
const DELAY_MS = 2_000;
const DEADLINE_MS = 10_000;
const READY_FAIL = '503 {"status":"fail"}';

describeRedis('7. graceful shutdown under load', () => {
  let redis: RedisServer;
  let app: AppProcess;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startAppProcess({
      name: 'app',
      env: {
        REDIS_URL: redis.url,
        SHUTDOWN_DELAY: `${DELAY_MS}ms`,
        SHUTDOWN_TIMEOUT: `${DEADLINE_MS}ms`,
        TRUST_PROXY: 'loopback',
        CURSOR_SECRET: 'reliability-suite-cursor-secret',
        // Load shedding is not this scenario's subject (see the .md).
        MAX_EVENT_LOOP_DELAY: '10s',
      },
    });
  });
  afterAll(async () => {
    await stopAllApps();
    await redis?.close();
  });

  it('SIGTERM under load: readiness 503, every accepted request answered, new connections refused, exit 0 in time', async () => {
    const connections = connectionLog();
    const load = startLoad(app.url, {
      connections: 8,
      requests: readMix(7, () => {}),
      maxSeconds: 60,
      setupClient: connections.setupClient,
    });
    await sleep(3_000);
    const readyBefore = await probeNewConnection(app.port, '/health/ready');

    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    const exited = app.exited.then((exit) => ({ ...exit, at: Date.now() }));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    // The app logs the signal once it handled it (readiness fails from then on; a request may still
    // be answered 200 just before). Then new connections every 50 ms until the process is gone.
    while (!app.output().includes('shutdown: SIGTERM') && Date.now() - signalledAt < DEADLINE_MS) await sleep(5);
    const handledAfterMs = Date.now() - signalledAt;
    const probes: ProbeOutcome[] = [];
    while (!done && Date.now() - signalledAt < DEADLINE_MS + 5_000) {
      probes.push(await probeNewConnection(app.port, '/health/ready', 2_000));
      await sleep(50);
    }
    const exit = await exited;
    // Responses already on their way are read before autocannon stops.
    await sleep(300);
    await load.stop();

    const log = parseShutdownLog(app.output());
    const closingAt = log.closingAt ?? Number.POSITIVE_INFINITY;
    const afterSignal = connections.responses.filter((r) => r.at >= signalledAt);
    const errorsBeforeClose = connections.errors.filter((e) => e.at < closingAt);
    const resets = connections.errors.filter((e) => e.at >= closingAt && e.code !== 'ECONNREFUSED');
    const refusedWhileAlive = [
      ...connections.errors.filter((e) => e.code === 'ECONNREFUSED' && e.at < exit.at),
      ...probes.filter((p) => p.outcome === 'ECONNREFUSED' && p.at < exit.at),
    ];
    const probeOutcomes = probes.map((p) => p.outcome);
    // The readiness answers, then at most one probe that raced the close (reset), then refusals.
    const served = probeOutcomes.slice(0, leadingRun(probeOutcomes, READY_FAIL));
    const rest = probeOutcomes.slice(served.length);
    const racing = rest[0] === 'ECONNRESET' ? rest.slice(0, 1) : [];
    const refused = rest.slice(racing.length);
    const answeredProbes = probes.filter((p) => /^\d{3} /.test(p.outcome)).length;
    const clientResponses = connections.responses.length + answeredProbes + 1; // + readyBefore
    const exitMs = exit.at - signalledAt;
    recordCase({
      scenario: '7-graceful-shutdown',
      case: 'one process with Redis, SIGTERM under load',
      figures: {
        'SHUTDOWN_DELAY / SHUTDOWN_TIMEOUT (ms)': `${DELAY_MS} / ${DEADLINE_MS}`,
        'SIGTERM to exit (ms)': exitMs,
        'SIGTERM logged by the app after (ms)': handledAfterMs,
        'exit code': String(exit.code),
        'responses received before SIGTERM': connections.responses.length - afterSignal.length,
        'responses completed after SIGTERM (load)': afterSignal.length,
        'of which with Connection: close (in flight at close)': afterSignal.filter((r) => r.close).length,
        'in flight when the listener closed (app log)': log.inFlightAtClose ?? 'missing',
        'responses sent by the app / received by clients': `${log.sent ?? 'missing'} / ${clientResponses}`,
        'requests cut off (app log)': log.cutOff ?? 'missing',
        'load errors before the listener closed': errorsBeforeClose.length,
        'refused connections while the process was alive': refusedWhileAlive.length,
        'resets after the close (requests written on a closing connection)': resets.length,
        'of which the server had announced Connection: close': resets.filter((e) => e.announced).length,
        'readiness before SIGTERM': readyBefore.outcome,
        'readiness answers during the drain (new connections)': probeOutcomes.filter((o) => o === READY_FAIL).length,
        'readiness outcomes in order': compress(probeOutcomes),
        'readiness probe reset while racing the close': racing.length,
        'non-200 load answers after SIGTERM': afterSignal.filter((r) => r.status !== 200).length,
      },
    });

    expect(readyBefore.outcome).toBe('200 {"status":"pass"}');
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(exitMs).toBeGreaterThanOrEqual(DELAY_MS);
    expect(exitMs).toBeLessThan(DEADLINE_MS);
    // The delay served load: responses kept coming after SIGTERM, all 200 (no limits, no 5xx).
    expect(afterSignal.length).toBeGreaterThan(0);
    expect(afterSignal.filter((r) => r.status !== 200)).toEqual([]);
    // Every request the app accepted was answered completely, and received.
    expect(log.cutOff).toBe(0);
    expect(log.sent).toBe(clientResponses);
    // No connection failed while the app was serving; after it stopped accepting, connections are
    // refused (ECONNREFUSED), and a reset only hits a request written after the server's last answer.
    expect(errorsBeforeClose).toEqual([]);
    expect(refusedWhileAlive.length).toBeGreaterThan(0);
    // Readiness: 503 from the signal on, then refused; never 200 again, never a hang. The probes
    // run one at a time, so at most one can race the listener's close: that one may be reset.
    expect(served.length).toBeGreaterThan(0);
    expect(new Set(served)).toEqual(new Set([READY_FAIL]));
    expect(racing.length).toBeLessThanOrEqual(1);
    expect(new Set(racing)).toEqual(new Set(racing.length === 0 ? [] : ['ECONNRESET']));
    expect(new Set(refused)).toEqual(new Set(refused.length === 0 ? [] : ['ECONNREFUSED']));
  });
});

/** `["a", "a", "b"]` → `"a ×2, b ×1"`. */
function compress(values: string[]): string {
  const runs: string[] = [];
  let previous: string | undefined;
  let count = 0;
  for (const value of [...values, undefined]) {
    if (value === previous) {
      count++;
      continue;
    }
    if (previous !== undefined) runs.push(`${previous} ×${count}`);
    previous = value;
    count = 1;
  }
  return runs.join(', ');
}

/** How many of `values` from the start equal `value`. */
function leadingRun(values: string[], value: string): number {
  const index = values.findIndex((v) => v !== value);
  return index === -1 ? values.length : index;
}
