import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { CHANNELS, channel, parseDuration } from '@expresskit/core';

/** What `gracefulShutdown` needs from the health router: `health()` returns one. */
export interface ShutdownAware {
  markShuttingDown(): void;
}

export type ShutdownHook = () => unknown;

export interface GracefulShutdownOptions {
  /** Signals that start the shutdown; a second one while shutting down exits at once (code 1). @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** Health routers whose readiness turns 503 as soon as shutdown starts. @default [] */
  health?: ShutdownAware | readonly ShutdownAware[];
  /**
   * How long to keep serving (readiness failing) before the server stops accepting, so load
   * balancers and Kubernetes endpoints notice. Use about `readinessProbe.periodSeconds ×
   * failureThreshold`; `0` in development.
   * @default '5s'
   */
  delay?: number | string;
  /**
   * Hard deadline from the signal: when it passes, every connection is destroyed and the process
   * exits with code 1 whatever still hangs. Keep it below `terminationGracePeriodSeconds` (30 s).
   * @default '25s'
   */
  timeout?: number | string;
  /** Run after `delay`, before the server stops accepting (e.g. stop consumers, schedulers). @default [] */
  beforeShutdown?: ShutdownHook | readonly ShutdownHook[];
  /** Run once every connection is closed (close Redis, stores, the database pool). @default [] */
  onShutdown?: ShutdownHook | readonly ShutdownHook[];
  /** Ends the process. `false` leaves the process alone (tests, embedding). @default process.exit */
  exit?: ((code: number) => void) | false;
  /** Where hook failures and the forced exit are reported. @default console */
  logger?: Pick<Console, 'warn' | 'error'>;
}

export interface ShutdownController {
  /** `running`, `draining` (delay, then closing) or `closed`. */
  readonly state: 'running' | 'draining' | 'closed';
  /** Starts the shutdown as a signal would; resolves with the exit code once done. */
  shutdown(): Promise<number>;
  /** Removes the signal listeners (the shutdown itself is not cancelled). */
  dispose(): void;
}

const events = channel(CHANNELS.health);

/**
 * On SIGTERM/SIGINT: readiness fails at once, the server keeps serving for `delay`, then stops
 * accepting, closes keep-alive connections as their requests finish (`Connection: close`), runs
 * the hooks and exits: code 0, or 1 when a hook failed or the hard deadline passed.
 */
export function gracefulShutdown(server: Server, options: GracefulShutdownOptions = {}): ShutdownController {
  const opts = validate(server, options);
  const inflight = new Set<ServerResponse>();
  let state: ShutdownController['state'] = 'running';
  let closing = false;
  let done: Promise<number> | undefined;

  // Per request: one Set entry and one listener, no closure. 'close' fires for every response
  // (finished or aborted) once its socket is detached, i.e. when a keep-alive connection is idle.
  function onResponseClose(this: ServerResponse): void {
    inflight.delete(this);
    if (closing) server.closeIdleConnections();
  }
  const onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    inflight.add(res);
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', onResponseClose);
  };
  server.on('request', onRequest);

  const onSignal = (signal: NodeJS.Signals): void => {
    if (done) {
      opts.logger.warn(`gracefulShutdown: second ${signal} while shutting down, exiting now`);
      opts.exit(1);
      return;
    }
    void shutdown();
  };
  for (const signal of opts.signals) process.on(signal, onSignal);

  function shutdown(): Promise<number> {
    done ??= run();
    return done;
  }

  async function run(): Promise<number> {
    state = 'draining';
    for (const target of opts.health) {
      try {
        target.markShuttingDown();
      } catch (error) {
        opts.logger.error('gracefulShutdown: markShuttingDown failed:', error);
      }
    }
    if (events.hasSubscribers) events.publish({ type: 'state', probe: 'shutdown', status: 'fail', previous: 'pass' });
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<number>((resolve) => {
      deadlineTimer = setTimeout(() => {
        opts.logger.error(`gracefulShutdown: hard deadline of ${opts.timeout} ms passed, forcing exit`);
        server.closeAllConnections();
        resolve(1);
      }, opts.timeout);
    });
    // A drain that throws (e.g. a server without closeIdleConnections) still ends in an exit.
    const drained = drain().catch((error: unknown) => {
      opts.logger.error('gracefulShutdown: closing the server failed:', error);
      return 1;
    });
    const code = await Promise.race([drained, deadline]);
    clearTimeout(deadlineTimer);
    state = 'closed';
    for (const signal of opts.signals) process.off(signal, onSignal);
    opts.exit(code);
    return code;
  }

  async function drain(): Promise<number> {
    let failed = false;
    if (opts.delay > 0) await new Promise((resolve) => setTimeout(resolve, opts.delay));
    failed = (await runHooks('beforeShutdown', opts.beforeShutdown)) || failed;
    closing = true;
    for (const res of inflight) if (!res.headersSent) res.setHeader('Connection', 'close');
    // Stop accepting, close the idle keep-alive connections now and the busy ones as their
    // responses end (onResponseClose); resolves once every connection is gone.
    await new Promise<void>((resolve) => {
      if (server.listening) server.close(() => resolve());
      else resolve();
      server.closeIdleConnections();
    });
    failed = (await runHooks('onShutdown', opts.onShutdown)) || failed;
    return failed ? 1 : 0;
  }

  async function runHooks(phase: string, hooks: readonly ShutdownHook[]): Promise<boolean> {
    const outcomes = await Promise.allSettled(hooks.map(async (hook) => hook()));
    let failed = false;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        failed = true;
        opts.logger.error(`gracefulShutdown: ${phase} hook failed:`, outcome.reason);
      }
    }
    return failed;
  }

  return {
    get state() {
      return state;
    },
    shutdown,
    dispose() {
      for (const signal of opts.signals) process.off(signal, onSignal);
      server.off('request', onRequest);
    },
  };
}

function validate(server: Server, options: GracefulShutdownOptions) {
  if (server === null || typeof server !== 'object' || typeof server.close !== 'function') {
    throw new TypeError('gracefulShutdown: "server" must be a node:http or node:https server');
  }
  const list = <T>(name: string, value: T | readonly T[] | undefined, kind: 'function' | 'object'): readonly T[] => {
    const items = value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];
    for (const item of items) {
      const ok =
        kind === 'function'
          ? typeof item === 'function'
          : (typeof item === 'object' || typeof item === 'function') &&
            item !== null &&
            typeof (item as unknown as ShutdownAware).markShuttingDown === 'function';
      if (!ok)
        throw new TypeError(
          `gracefulShutdown: "${name}" must be ${kind === 'function' ? 'functions' : 'health() routers'}`,
        );
    }
    return items;
  };
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  if (!Array.isArray(signals) || signals.some((signal) => typeof signal !== 'string' || !signal.startsWith('SIG'))) {
    throw new TypeError(`gracefulShutdown: "signals" must be an array of signal names, got ${JSON.stringify(signals)}`);
  }
  const delay = parseDuration(options.delay ?? 5000, 'gracefulShutdown: "delay"');
  const timeout = parseDuration(options.timeout ?? 25_000, 'gracefulShutdown: "timeout"');
  if (timeout <= delay) {
    throw new TypeError(`gracefulShutdown: "timeout" (${timeout} ms) must be longer than "delay" (${delay} ms)`);
  }
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (exit !== false && typeof exit !== 'function') {
    throw new TypeError(`gracefulShutdown: "exit" must be a function or false, got ${typeof exit}`);
  }
  return {
    signals,
    delay,
    timeout,
    health: list<ShutdownAware>('health', options.health, 'object'),
    beforeShutdown: list<ShutdownHook>('beforeShutdown', options.beforeShutdown, 'function'),
    onShutdown: list<ShutdownHook>('onShutdown', options.onShutdown, 'function'),
    exit: exit === false ? () => {} : exit,
    logger: options.logger ?? console,
  } as const;
}
