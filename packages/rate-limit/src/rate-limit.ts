import { CHANNELS, channel, ProblemError, problemType, sendProblem } from '@expresskit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Decision, Operation } from './gcra.js';
import { type GuardOutcome, StoreGuard } from './guard.js';
import { headerWriter, retryAfter } from './headers.js';
import { ipKey, keyHasher } from './keys.js';
import { type RateLimitInfo, type RateLimitOptions, type Resolved, resolveOptions } from './options.js';
import { expressRequestPrototype, perPrototype } from './prototypes.js';
import { accessorServes, enter, type InfoBuilder, type RequestState } from './request-state.js';

const events = channel(CHANNELS.rateLimit);

/**
 * The default key: the client IP (`req.ip`: it honours `trust proxy`), IPv6 grouped by prefix.
 * The last address and its key are remembered: a busy client's requests parse it once.
 */
function clientKeys(ipv6Subnet: number): (req: Request) => string {
  let lastAddress: string | undefined;
  let lastKey = '';
  return (req) => {
    const address = clientAddress(req) ?? '';
    if (address !== lastAddress) {
      lastKey = ipKey(address, ipv6Subnet) ?? (address || 'unknown');
      lastAddress = address;
    }
    return lastKey;
  };
}

/** Whether `req.ip` is Express's own getter: the first `ip` up the chain is the one on `express.request`. */
const expressIp = perPrototype((proto) => {
  const bottom = expressRequestPrototype(proto);
  if (bottom === undefined) return false;
  for (let target = proto; target !== bottom && target !== null; target = Object.getPrototypeOf(target)) {
    if (Object.hasOwn(target, 'ip')) return false;
  }
  const getter = Object.getOwnPropertyDescriptor(bottom, 'ip')?.get;
  return typeof getter === 'function' && getter.name === 'ip';
});

/**
 * `req.ip`, without Express's getter for a request with no `X-Forwarded-For`: the getter then
 * returns the socket's address whatever `trust proxy` says (it only decides how much of that header
 * to believe), but parses the empty header and builds a list first. Only where `ip` is Express's
 * own getter: an app that defines its own `req.ip` gets it.
 */
function clientAddress(req: Request): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  if (
    (forwarded === undefined || forwarded === '') &&
    req.socket != null &&
    !Object.hasOwn(req, 'ip') &&
    expressIp(req)
  ) {
    return req.socket.remoteAddress;
  }
  return req.ip ?? req.socket?.remoteAddress;
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
  const policies: RateLimitInfo['policies'][number][] = [];
  for (let i = 0; i < decision.policies.length; i++) {
    const result = decision.policies[i];
    const policy = o.policies[i];
    if (result === undefined) continue;
    policies.push({
      name: result.name,
      limit: policy?.limit ?? 0,
      window: (policy?.windowMs ?? 0) / 1000,
      remaining: result.remaining,
      reset: Math.ceil(result.resetUs / 1_000_000),
      violated: !result.conform,
    });
  }
  return {
    key,
    cost,
    allowed: decision.allowed,
    policies,
    retryAfter: decision.allowed ? undefined : retryAfter(decision),
    source,
  };
}

const NONE: readonly string[] = Object.freeze([]);
const ignore = (): void => {};

/**
 * The decision event, when someone listens. It is built without a per-policy pass for the common
 * single-policy allow, and `keyHash` (an HMAC) is computed only if a subscriber reads it.
 */
function publish(decision: Decision, key: string, hash: (key: string) => string, shadow: boolean): void {
  if (!events.hasSubscribers) return;
  const results = decision.policies;
  let deciding = results[0];
  let violated = NONE;
  if (!decision.allowed) {
    violated = results.filter((p) => !p.conform).map((p) => p.name);
    deciding = results.find((p) => !p.conform) ?? deciding;
  } else {
    for (const result of results)
      if (deciding === undefined || result.remaining < deciding.remaining) deciding = result;
  }
  events.publish({
    type: decision.allowed ? 'allowed' : 'limited',
    policy: deciding?.name ?? '',
    violated,
    get keyHash() {
      return hash(key);
    },
    remaining: deciding?.remaining ?? 0,
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
  /** Writes the rate-limit header fields; what does not depend on the decision is built once. */
  const writeHeaders = headerWriter(o.headers, o.policies);
  const operation: Operation = o.count === 'all' ? 'consume' : 'peek';
  const now = (): number => Date.now();
  /** Identifies this limiter in a request's state (the middleware mounted twice counts once). */
  const token = {};
  const build: InfoBuilder = (key, cost, decision, source) => info(o, key, cost, decision, source);
  const clientKey = clientKeys(o.ipv6Subnet);

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
      guard.hitLater(key, o.policies, cost, 'charge', ignore);
    };
    res.once('finish', settle);
    res.once('close', settle);
  };

  /** Answers a request from the store's outcome (synchronously: the memory store's fast path). */
  function respond(
    req: Request,
    res: Response,
    next: NextFunction,
    state: RequestState,
    key: string,
    cost: number,
    outcome: GuardOutcome,
  ) {
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
    // `req.rateLimit` is built when read (an accessor backed by the request's state), except for
    // requests that are not Express's (an own property then, as assigning it always did).
    let details: RateLimitInfo | undefined;
    if (accessorServes(req)) state.decided(build, key, cost, decision, outcome.source);
    else req.rateLimit = details = info(o, key, cost, decision, outcome.source);
    writeHeaders?.(res, decision, now);
    publish(decision, key, hash, o.shadow);

    if (!decision.allowed && !o.shadow) {
      // The object `req.rateLimit` returns, built now.
      details ??= state.info ?? info(o, key, cost, decision, outcome.source);
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

  /**
   * Checks key and cost and asks the store: answered in the same tick by the memory store, else
   * through a callback (an error thrown while answering goes to `next`).
   */
  function limit(req: Request, res: Response, next: NextFunction, state: RequestState, key: unknown, cost: unknown) {
    if (typeof key !== 'string') throw new TypeError(`rateLimit: "key" must return a string, got ${typeof key}`);
    if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < 0)
      return problem(invalidCost(cost), req, res, next);
    const outcome = guard.hitNow(key, o.policies, cost, operation);
    if (outcome !== undefined && !(outcome instanceof Error)) return respond(req, res, next, state, key, cost, outcome);
    guard.hitLater(
      key,
      o.policies,
      cost,
      operation,
      (settled) => {
        try {
          respond(req, res, next, state, key, cost, settled);
        } catch (error) {
          next(error);
        }
      },
      outcome,
    );
  }

  /** The general path: `skip` or `cost` is a function (either may return a promise). */
  async function handle(req: Request, res: Response, next: NextFunction, state: RequestState): Promise<void> {
    if (o.skip && (await o.skip(req))) return next();
    const key = o.key ? await o.key(req) : clientKey(req);
    const cost: unknown = typeof o.cost === 'number' ? o.cost : await o.cost(req);
    return limit(req, res, next, state, key, cost);
  }

  const fixedCost = typeof o.cost === 'number' && o.skip === undefined ? o.cost : undefined;

  return function rateLimitMiddleware(req: Request, res: Response, next: NextFunction): void {
    const state = enter(req, token);
    if (state === undefined) {
      next();
      return;
    }
    if (fixedCost === undefined) {
      handle(req, res, next, state).catch(next);
      return;
    }
    // No skip, a fixed cost: with a synchronous key and the memory store, no promise at all.
    try {
      const key = o.key ? o.key(req) : clientKey(req);
      if (typeof key === 'string') limit(req, res, next, state, key, fixedCost);
      else
        Promise.resolve(key)
          .then((settled) => limit(req, res, next, state, settled, fixedCost))
          .catch(next);
    } catch (error) {
      next(error);
    }
  };
}
