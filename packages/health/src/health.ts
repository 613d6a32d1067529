import type { ServerResponse } from 'node:http';
import { parseDuration } from '@expresskit/core';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { type CheckMap, type ProbeName, Probes } from './probes.js';
import { HEALTH_CONTENT_TYPE, type HealthReport, httpStatus, renderHealth, type ServiceInfo } from './render.js';
import type { HealthStatus } from './runner.js';

export interface HealthOptions {
  /**
   * Readiness (dependency) checks, keyed `"<component>:<measurement>"`, e.g.
   * `{ 'redis:responseTime': redisCheck(redis), 'db:connections': async () => { await db.query('select 1') } }`.
   * @default {}
   */
  checks?: CheckMap;
  /**
   * Checks whose first pass completes startup (then `markStarted()` is implied and they never run
   * again). Without any, startup completes only with `markStarted()` (or `started: true`).
   * @default {}
   */
  startupChecks?: CheckMap;
  /**
   * In-process checks for liveness only (e.g. `eventLoopDelayCheck()`); never put dependencies
   * here: a failing liveness probe makes Kubernetes restart the container.
   * @default {} (liveness passes whenever the process answers)
   */
  liveChecks?: CheckMap;
  /** Whether startup work is already done. @default false (call `markStarted()`) */
  started?: boolean;
  /** Paths of the probes, relative to where the router is mounted. @default { live: '/health/live', ready: '/health/ready', startup: '/health/startup' } */
  paths?: Partial<Record<ProbeName, string>>;
  /** Per-check timeout, below Kubernetes' default 1 s probe timeout. @default '500ms' */
  timeout?: number | string;
  /** How long check results are reused (concurrent probes always share one run). @default '1s' */
  cacheTtl?: number | string;
  /**
   * Whether a request may see details (checks, observed values, error output). `true` shows them
   * to everyone; a function authorises per request (e.g. an internal token header). A promise
   * that has not settled after `timeout` counts as `false`; one that rejects goes to `onError`.
   * @default false (the body is `{"status":"pass"}` and nothing else)
   */
  details?: boolean | ((req: Request) => boolean | Promise<boolean>);
  /** `version`, `releaseId`, `serviceId`, `description` of the detailed body. @default {} */
  service?: ServiceInfo;
  /**
   * Replaces the answer when the probe itself failed unexpectedly (e.g. `details` threw).
   * @default a 503 `{"status":"fail"}` health+json answer
   */
  onError?: (error: unknown, req: Request, res: Response) => void;
}

/** The probes' router, with the controls of their state. */
export interface HealthRouter extends Router {
  /** Startup work is done: the startup probe passes and readiness runs its checks. */
  markStarted(): void;
  /** Readiness fails from now on (`gracefulShutdown` calls this on SIGTERM). */
  markShuttingDown(): void;
  readonly started: boolean;
  readonly shuttingDown: boolean;
  /** A probe's report without HTTP (cached and coalesced like the HTTP probes). */
  evaluate(probe: ProbeName): Promise<HealthReport>;
  /** Releases what built-in checks hold (event-loop monitors). */
  close(): void;
}

/** The public (undetailed) answers, serialised once. */
const PUBLIC_BODIES: Record<HealthStatus, string> = {
  pass: '{"status":"pass"}',
  warn: '{"status":"warn"}',
  fail: '{"status":"fail"}',
};

const DEFAULT_PATHS: Record<ProbeName, string> = {
  live: '/health/live',
  ready: '/health/ready',
  startup: '/health/startup',
};

/** Liveness, readiness and startup probes answering `application/health+json`. */
export function health(options: HealthOptions = {}): HealthRouter {
  const opts = validate(options);
  const probes = new Probes(
    { live: opts.liveChecks, ready: opts.checks, startup: opts.startupChecks },
    { timeout: opts.timeout, cacheTtl: opts.cacheTtl },
    opts.started,
  );
  const router = express.Router();
  for (const probe of ['live', 'ready', 'startup'] as const) {
    router.get(opts.paths[probe], function healthProbe(req, res) {
      answer(probe, req, res).catch((error: unknown) => {
        try {
          opts.onError(error, req, res);
        } catch {
          send(res, 503, PUBLIC_BODIES.fail);
        }
      });
    });
  }

  async function answer(probe: ProbeName, req: Request, res: Response): Promise<void> {
    if (opts.details === false) {
      // The common case: no authorisation to await and a body built once at creation.
      const { status } = await probes.report(probe);
      send(res, httpStatus(status), PUBLIC_BODIES[status]);
      return;
    }
    const [report, detailed] = await Promise.all([probes.report(probe), authorised(req)]);
    const payload = detailed ? JSON.stringify(renderHealth(report, true, opts.service)) : PUBLIC_BODIES[report.status];
    send(res, httpStatus(report.status), payload);
  }

  function authorised(req: Request): boolean | Promise<boolean> {
    if (typeof opts.details !== 'function') return opts.details;
    const verdict = opts.details(req);
    if (typeof verdict !== 'object' || verdict === null) return verdict === true;
    // An authoriser that never settles must not hang the probe: after `timeout` the answer is public.
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), opts.timeout).unref();
      Promise.resolve(verdict).then(
        (value) => {
          clearTimeout(timer);
          resolve(value === true);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  const all = [opts.checks, opts.startupChecks, opts.liveChecks].flatMap((map) => Object.values(map));
  return Object.defineProperties(withProbeFilter(router, Object.values(opts.paths)) as HealthRouter, {
    markStarted: { value: () => probes.markStarted() },
    markShuttingDown: { value: () => probes.markShuttingDown() },
    started: { get: () => probes.started },
    shuttingDown: { get: () => probes.shuttingDown },
    evaluate: { value: (probe: ProbeName) => probes.report(probe) },
    close: {
      value: () => {
        for (const check of all) {
          if (typeof check === 'object' && 'close' in check && typeof check.close === 'function') check.close();
        }
      },
    },
  });
}

/** Characters that make a path an Express pattern (parameters, wildcards, groups) rather than a literal. */
const PATTERN_CHARS = /[:*?()[\]{}+!$\\]/;

/**
 * The router, behind a function that sends every request whose path cannot be one of the probes
 * straight to `next()`, so the application's other requests do not pay for a router dispatch
 * (Express's route match ignores case and one trailing slash, so only a path of a probe's length,
 * or one more, can match; a query or fragment is not part of the path). Anything it cannot judge
 * that cheaply goes through the router: a URL in absolute form, a path pattern in `paths`, or a
 * router the user added layers to. The function inherits from the router (`use`, `get`, `stack`…).
 */
function withProbeFilter(router: Router, paths: readonly string[]): Router {
  const literal = paths.every((path) => !PATTERN_CHARS.test(path));
  const lengths = new Set(paths.flatMap((path) => [path.length, path.length + 1]));
  const layers = router.stack.length;
  const filtered = function healthProbes(req: Request, res: Response, next: NextFunction): void {
    if (literal && router.stack.length === layers && !mayBeProbe(req.url, lengths)) {
      next();
      return;
    }
    router(req, res, next);
  };
  Object.setPrototypeOf(filtered, router);
  return filtered as unknown as Router;
}

/** Whether the path of `url` (up to `?` or `#`) has one of `lengths`, or `url` is not in origin form. */
function mayBeProbe(url: string, lengths: ReadonlySet<number>): boolean {
  if (url.charCodeAt(0) !== 47 /* / */) return true;
  let end = 0;
  while (end < url.length) {
    const code = url.charCodeAt(end);
    if (code === 63 /* ? */ || code === 35 /* # */) break;
    end++;
  }
  return lengths.has(end);
}

function send(res: ServerResponse, status: number, payload: string): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', HEALTH_CONTENT_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}

function validate(options: HealthOptions) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`health: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const paths = { ...DEFAULT_PATHS, ...options.paths };
  for (const [probe, path] of Object.entries(paths)) {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`health: "paths.${probe}" must be a path starting with "/", got ${JSON.stringify(path)}`);
    }
  }
  if (new Set(Object.values(paths)).size !== 3) {
    throw new TypeError(`health: "paths" must be three different paths, got ${JSON.stringify(paths)}`);
  }
  const details = options.details ?? false;
  if (typeof details !== 'boolean' && typeof details !== 'function') {
    throw new TypeError(`health: "details" must be a boolean or a function, got ${typeof details}`);
  }
  if (options.started !== undefined && typeof options.started !== 'boolean') {
    throw new TypeError(`health: "started" must be a boolean, got ${typeof options.started}`);
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`health: "onError" must be a function, got ${typeof options.onError}`);
  }
  const timeout = parseDuration(options.timeout ?? 500, 'health: "timeout"');
  if (timeout <= 0) throw new TypeError(`health: "timeout" must be positive, got ${timeout}`);
  for (const name of ['checks', 'startupChecks', 'liveChecks'] as const) {
    const value = options[name];
    if (value !== undefined && (value === null || typeof value !== 'object')) {
      throw new TypeError(
        `health: "${name}" must be an object of checks, got ${value === null ? 'null' : typeof value}`,
      );
    }
  }
  return {
    paths,
    details,
    started: options.started ?? false,
    timeout,
    cacheTtl: parseDuration(options.cacheTtl ?? 1000, 'health: "cacheTtl"'),
    checks: { ...options.checks },
    startupChecks: { ...options.startupChecks },
    liveChecks: { ...options.liveChecks },
    service: { ...options.service },
    onError:
      options.onError ??
      ((_error: unknown, _req: Request, res: Response) => {
        send(res, 503, PUBLIC_BODIES.fail);
      }),
  } as const;
}
