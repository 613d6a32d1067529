import { CHANNELS, channel } from '@expresskit/core';
import type { HealthReport } from './render.js';
import {
  aggregate,
  type CheckFunction,
  type CheckResult,
  CheckRunner,
  type Clock,
  type HealthCheck,
  type HealthStatus,
  type RunnerDefaults,
} from './runner.js';

/** The three Kubernetes probes. */
export type ProbeName = 'live' | 'ready' | 'startup';

export type CheckMap = Readonly<Record<string, CheckFunction | HealthCheck>>;

export interface ProbeChecks {
  live: CheckMap;
  ready: CheckMap;
  startup: CheckMap;
}

const events = channel(CHANNELS.health);

/**
 * The probes' state machine, without HTTP: liveness runs only its own (in-process) checks,
 * readiness fails while not started or shutting down and otherwise runs the dependency checks,
 * startup passes once `markStarted()` was called or the startup checks passed once.
 */
export class Probes {
  readonly #runners: Record<ProbeName, CheckRunner>;
  readonly #last: Record<ProbeName, HealthStatus | undefined> = {
    live: undefined,
    ready: undefined,
    startup: undefined,
  };
  #started: boolean;
  #shuttingDown = false;

  constructor(checks: ProbeChecks, defaults: RunnerDefaults, started: boolean, clock?: Clock) {
    const onResult = (result: CheckResult): void => {
      // Checked before the event is built: nothing is allocated when nobody listens.
      if (!events.hasSubscribers) return;
      events.publish({
        type: 'check',
        check: result.key,
        status: result.status,
        critical: result.critical,
        durationMs: result.durationMs,
        ...(result.error === undefined ? {} : { error: result.error }),
      });
    };
    const options = clock === undefined ? { onResult } : { onResult, clock };
    this.#runners = {
      live: new CheckRunner('health: "liveChecks"', checks.live, defaults, options),
      ready: new CheckRunner('health: "checks"', checks.ready, defaults, options),
      startup: new CheckRunner('health: "startupChecks"', checks.startup, defaults, options),
    };
    this.#started = started;
  }

  get started(): boolean {
    return this.#started;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  markStarted(): void {
    if (this.#started) return;
    this.#started = true;
    this.#transition('startup', 'pass');
  }

  markShuttingDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#transition('ready', 'fail');
  }

  async report(probe: ProbeName): Promise<HealthReport> {
    const report = await this.#evaluate(probe);
    this.#transition(probe, report.status);
    return report;
  }

  async #evaluate(probe: ProbeName): Promise<HealthReport> {
    if (probe === 'live') return this.#run('live');
    if (probe === 'startup') return this.#startup();
    if (this.#shuttingDown) return { status: 'fail', output: 'shutting down', results: [] };
    if (!this.#started) {
      const startup = await this.#startup();
      if (startup.status === 'fail') return { ...startup, output: startup.output ?? 'startup not complete' };
    }
    // A check may have been slow: shutdown could have begun meanwhile.
    const ready = await this.#run('ready');
    return this.#shuttingDown ? { status: 'fail', output: 'shutting down', results: ready.results } : ready;
  }

  async #startup(): Promise<HealthReport> {
    if (this.#started) return { status: 'pass', output: undefined, results: [] };
    const runner = this.#runners.startup;
    if (runner.size === 0) return { status: 'fail', output: 'startup not complete', results: [] };
    const report = await this.#run('startup');
    if (report.status !== 'fail') this.markStarted();
    return report;
  }

  async #run(probe: ProbeName): Promise<HealthReport> {
    const results = await this.#runners[probe].run();
    return { status: aggregate(results), output: undefined, results };
  }

  #transition(probe: ProbeName, status: HealthStatus): void {
    const previous = this.#last[probe];
    if (previous === status) return;
    this.#last[probe] = status;
    if (events.hasSubscribers) events.publish({ type: 'state', probe, status, previous });
  }
}
