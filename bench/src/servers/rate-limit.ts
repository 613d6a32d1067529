import { memoryStore, rateLimit, redisStore } from '@expresskit/rate-limit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { PAYLOAD, ROUTE } from '../payload.js';
import { bareExpress } from './basic.js';
import { type BenchServer, requireRedisUrl, type ServerContext } from './types.js';

/**
 * Every limiter gets the same quota, far above what a run can send (10⁹ per hour, one key: all
 * load comes from 127.0.0.1), so none rejects; the runner fails a scenario that sees a non-2xx.
 * Every limiter sends the IETF draft headers (`RateLimit-Policy` + `RateLimit`).
 */
export const LIMIT = 1_000_000_000;
export const WINDOW_SECONDS = 3600;

function withLimiter(limiter: RequestHandler, close: () => Promise<void>): BenchServer {
  const app = bareExpress();
  app.use(limiter);
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return { handler: app, close };
}

function redisClient(context: ServerContext): Redis {
  return new Redis(requireRedisUrl(context), { maxRetriesPerRequest: 1 });
}

export function oursMemory(): BenchServer {
  const store = memoryStore();
  const limiter = rateLimit({ policies: { name: 'bench', limit: LIMIT, window: `${WINDOW_SECONDS}s` }, store });
  return withLimiter(limiter, () => store.close());
}

export function oursRedis(context: ServerContext): BenchServer {
  const client = redisClient(context);
  const store = redisStore({ client, prefix: 'bench:ours:' });
  const limiter = rateLimit({ policies: { name: 'bench', limit: LIMIT, window: `${WINDOW_SECONDS}s` }, store });
  return withLimiter(limiter, async () => {
    await store.close();
    client.disconnect();
  });
}

function erlOptions() {
  return {
    windowMs: WINDOW_SECONDS * 1000,
    limit: LIMIT,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    identifier: 'bench',
  };
}

export function erlMemory(): BenchServer {
  const limiter = expressRateLimit(erlOptions());
  return withLimiter(limiter, async () => {});
}

export function erlRedis(context: ServerContext): BenchServer {
  const client = redisClient(context);
  const store = new RedisStore({
    prefix: 'bench:erl:',
    sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as never,
  });
  const limiter = expressRateLimit({ ...erlOptions(), store });
  return withLimiter(limiter, async () => {
    client.disconnect();
  });
}

/**
 * rate-limiter-flexible has no Express middleware: this is the one its README shows (consume the
 * client IP), plus the same draft headers the other two send.
 */
function flexibleMiddleware(limiter: RateLimiterAbstract): RequestHandler {
  const setHeaders = (res: Response, result: RateLimiterRes): void => {
    const reset = Math.ceil(result.msBeforeNext / 1000);
    res.setHeader('RateLimit-Policy', `"bench";q=${LIMIT};w=${WINDOW_SECONDS}`);
    res.setHeader('RateLimit', `"bench";r=${result.remainingPoints};t=${reset}`);
  };
  return (req: Request, res: Response, next: NextFunction) => {
    limiter.consume(req.ip ?? 'unknown').then(
      (result) => {
        setHeaders(res, result);
        next();
      },
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        setHeaders(res, rejection);
        res.setHeader('Retry-After', String(Math.ceil(rejection.msBeforeNext / 1000)));
        res.status(429).json({ error: 'Too Many Requests' });
      },
    );
  };
}

export function flexibleMemory(): BenchServer {
  const limiter = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_SECONDS });
  return withLimiter(flexibleMiddleware(limiter), async () => {});
}

export function flexibleRedis(context: ServerContext): BenchServer {
  const client = redisClient(context);
  const limiter = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: 'bench:flexible',
    points: LIMIT,
    duration: WINDOW_SECONDS,
  });
  return withLimiter(flexibleMiddleware(limiter), async () => {
    client.disconnect();
  });
}
