import { CHANNELS, channel, ProblemError, problemType, sendProblem } from '@expresskit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Decision, Operation } from './gcra.js';
import { StoreGuard } from './guard.js';
import { policyHeader, rateLimitHeaders, retryAfter } from './headers.js';
import { ipKey, keyHasher } from './keys.js';
import { type RateLimitInfo, type RateLimitOptions, type Resolved, resolveOptions } from './options.js';

const events = channel(CHANNELS.rateLimit);

/** The default key: the client IP (`req.ip` honours `trust proxy`), IPv6 grouped by prefix. */
function clientKey(req: Request, ipv6Subnet: number): string {
  const address = req.ip ?? req.socket.remoteAddress ?? '';
  return ipKey(address, ipv6Subnet) ?? (address || 'unknown');
}

function invalidCost(cost: unknown): ProblemError {
  return new ProblemError(400, {
    type: problemType('invalid-parameter'),
    title: 'Invalid request cost',
    detail: `The request's rate-limit cost must be a non-negative integer, got ${JSON.stringify(cost) ?? String(cost)}`,
    extensions: { parameter: 'cost', rule: 'non-negative-integer' },
  });
}

function info(o: Resolved, key: string, cost: number, decision: Decision, source: 'store' | 'fallback'): RateLimitInfo {
  return {
    key,
    cost,
    allowed: decision.allowed,
    policies: decision.policies.map((result, i) => ({
      name: result.name,
      limit: o.policies[i]?.limit ?? 0,
      window: (o.policies[i]?.windowMs ?? 0) / 1000,
      remaining: result.remaining,
      reset: Math.ceil(result.resetUs / 1_000_000),
      violated: !result.conform,
    })),
    retryAfter: decision.allowed ? undefined : retryAfter(decision),
    source,
  };
}

function publish(decision: Decision, keyHash: () => string, shadow: boolean): void {
  if (!events.hasSubscribers) return;
  const violated = decision.policies.filter((p) => !p.conform).map((p) => p.name);
  const deciding =
    decision.policies.find((p) => !p.conform) ??
    decision.policies.reduce(
      (a, b) => (b.remaining < a.remaining ? b : a),
      decision.policies[0] ?? { name: '', remaining: 0 },
    );
  events.publish({
    type: decision.allowed ? 'allowed' : 'limited',
    policy: deciding.name,
    violated,
    keyHash: keyHash(),
    remaining: deciding.remaining,
    shadow,
  });
}

/**
 * Rate limiting middleware: GCRA (or fixed window) over one or more policies, checked
 * all-or-nothing in one store call; IETF `RateLimit` headers; 429 problem details; a store
 * failure policy with timeout and circuit breaker.
 *
 * ```ts
 * app.use(rateLimit({ policies: [{ name: 'second', limit: 10, window: '1s' }, { name: 'hour', limit: 1000, window: '1h' }] }));
 * ```
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const o = resolveOptions(options);
  const guard = new StoreGuard({
    store: o.store,
    fallback: o.fallbackStore,
    policy: o.onStoreError,
    timeoutMs: o.storeTimeoutMs,
    failures: o.failures,
    probeIntervalMs: o.probeIntervalMs,
  });
  const hash = keyHasher();
  /** The same for every response of this limiter: built once. */
  const policyValue = policyHeader(o.policies);
  /** Requests this limiter has already counted (the middleware mounted twice on one path). */
  const counted = new WeakSet<Request>();

  const problem = (error: ProblemError, req: Request, res: Response, next: NextFunction): void => {
    if (o.onError) o.onError(error, req, res, next);
    else sendProblem(res, error);
  };

  const chargeAfterResponse = (req: Request, res: Response, key: string, cost: number): void => {
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      if (o.failed(req, res) !== (o.count === 'failed')) return;
      guard.hit(key, o.policies, cost, 'charge').catch(() => {});
    };
    res.once('finish', settle);
    res.once('close', settle);
  };

  async function handle(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (counted.has(req)) return next();
    counted.add(req);
    if (o.skip && (await o.skip(req))) return next();
    const key = o.key ? await o.key(req) : clientKey(req, o.ipv6Subnet);
    if (typeof key !== 'string') throw new TypeError(`rateLimit: "key" must return a string, got ${typeof key}`);
    const cost: unknown = typeof o.cost === 'number' ? o.cost : await o.cost(req);
    if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < 0)
      return problem(invalidCost(cost), req, res, next);

    const operation: Operation = o.count === 'all' ? 'consume' : 'peek';
    const outcome = await guard.hit(key, o.policies, cost, operation);
    if (outcome.decision === undefined) {
      if (o.onStoreError !== 'fail-closed') return next();
      const retry = String(Math.max(1, Math.ceil(o.probeIntervalMs / 1000)));
      return problem(
        new ProblemError(503, {
          type: problemType('unavailable'),
          title: 'Rate limiter unavailable',
          detail: 'The rate limiter cannot reach its store, and is configured to reject requests until it can',
          headers: { 'Retry-After': retry },
          cause: outcome.error,
        }),
        req,
        res,
        next,
      );
    }

    const { decision } = outcome;
    const details = info(o, key, cost, decision, outcome.source);
    req.rateLimit = details;
    if (o.headers !== false) {
      const headers = rateLimitHeaders(o.headers, o.policies, decision, Date.now(), policyValue);
      for (const name in headers) res.setHeader(name, headers[name] ?? '');
    }
    publish(decision, () => hash(key), o.shadow);

    if (!decision.allowed && !o.shadow) {
      if (details.retryAfter !== undefined) res.setHeader('Retry-After', String(details.retryAfter));
      if (o.onLimit) return o.onLimit(req, res, next, details);
      const violated = details.policies.filter((p) => p.violated).map((p) => p.name);
      const never = details.retryAfter === undefined;
      sendProblem(
        res,
        new ProblemError(429, {
          type: problemType('quota-exceeded'),
          title: 'Too Many Requests',
          detail: never
            ? `The request costs ${cost}, more than ${violated.map((v) => `"${v}"`).join(', ')} can ever admit at once`
            : `Quota exceeded for ${violated.map((v) => `"${v}"`).join(', ')}; retry in ${details.retryAfter} s`,
          extensions: { 'violated-policies': violated },
        }),
      );
      return;
    }
    if (operation === 'peek' && decision.allowed) chargeAfterResponse(req, res, key, cost);
    next();
  }

  return function rateLimitMiddleware(req: Request, res: Response, next: NextFunction): void {
    handle(req, res, next).catch(next);
  };
}
