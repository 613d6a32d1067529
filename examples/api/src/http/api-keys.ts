import { createHash } from 'node:crypto';
import { ProblemError } from '@expresskit/core';
import type { Request, RequestHandler } from 'express';

/** The request header that carries an API key. */
export const API_KEY_HEADER = 'X-Api-Key';

export interface ApiKeys {
  /**
   * The rate-limit key of a request that carries a known API key (`api-key:<sha-256 prefix>`: the
   * key itself never reaches Redis), or `undefined` (no key, an unknown one, or none configured).
   */
  quotaKey(req: Request): string | undefined;
  /** Answers 401 to a request whose `X-Api-Key` is not a configured key; passes the others on. */
  check: RequestHandler;
}

const digest = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 22);

/**
 * API keys for rate limiting: a client that sends a known `X-Api-Key` gets one quota for that key
 * however many addresses and instances its requests come through; anonymous clients are limited per
 * IP. An unknown key is a 401 (a typo should fail loudly, not silently fall back to the IP quota),
 * checked after the limiter so that guessing keys uses up the guesser's IP quota. With no keys
 * configured the header means nothing and every request is limited per IP.
 */
export function apiKeys(keys: readonly string[]): ApiKeys {
  // Looked up by digest: the comparison never runs over the secret itself.
  const known = new Map(keys.map((key) => [digest(key), `api-key:${digest(key)}`]));
  const resolved = new WeakMap<Request, string | null>();

  const lookUp = (req: Request): string | null => {
    let quotaKey = resolved.get(req);
    if (quotaKey === undefined) {
      const presented = req.get(API_KEY_HEADER);
      quotaKey = presented === undefined || known.size === 0 ? null : (known.get(digest(presented)) ?? null);
      resolved.set(req, quotaKey);
    }
    return quotaKey;
  };

  return {
    quotaKey: (req) => lookUp(req) ?? undefined,
    check: function checkApiKey(req, _res, next) {
      if (known.size === 0 || req.get(API_KEY_HEADER) === undefined || lookUp(req) !== null) return next();
      next(
        new ProblemError(401, {
          title: 'Invalid API key',
          detail: `The ${API_KEY_HEADER} header does not carry a valid API key`,
          headers: { 'WWW-Authenticate': `ApiKey header="${API_KEY_HEADER}"` },
          extensions: { parameter: API_KEY_HEADER },
        }),
      );
    },
  };
}

/** The rate-limit policy's name for a window in seconds: `per-minute`, `per-hour`, … or `per-90s`. */
export function windowName(seconds: number): string {
  const names: Readonly<Record<number, string>> = { 1: 'second', 60: 'minute', 3600: 'hour', 86400: 'day' };
  return `per-${names[seconds] ?? `${seconds}s`}`;
}
