import { type Duration, type ProblemError, parseDuration } from '@expresskit/core';
import type { NextFunction, Request, Response } from 'express';
import type { CompiledPolicy } from './gcra.js';
import type { StoreErrorPolicy } from './guard.js';
import type { HeadersMode } from './headers.js';
import { compilePolicies, describe, type Policy } from './policy.js';
import { memoryStore } from './stores/memory.js';
import type { RateLimitStore } from './stores/store.js';

/** What the limiter decided for a request; on `req.rateLimit` and passed to `onLimit`. */
export interface RateLimitInfo {
  /** The key the request was counted under (the client IP network by default). */
  readonly key: string;
  readonly cost: number;
  /** `false` when at least one policy rejected the request (in shadow mode it went through anyway). */
  readonly allowed: boolean;
  /** Per policy, in the order configured. */
  readonly policies: ReadonlyArray<{
    readonly name: string;
    readonly limit: number;
    /** Window in seconds. */
    readonly window: number;
    readonly remaining: number;
    /** Seconds until the quota is fully restored. */
    readonly reset: number;
    /** Whether this policy rejected the request. */
    readonly violated: boolean;
  }>;
  /** Seconds before a rejected request may be retried; `undefined` if allowed or never. */
  readonly retryAfter: number | undefined;
  /** `'fallback'` while the local fallback store answers for a failed store. */
  readonly source: 'store' | 'fallback';
}

export interface RateLimitOptions {
  /** One policy or several (all must admit a request), e.g. 10 per second and 1,000 per hour. */
  policies: Policy | readonly Policy[];
  /**
   * The client a request is counted for. Return an API key or user id for authenticated traffic.
   * @default the client IP (`req.ip`, so set Express's `trust proxy` behind a proxy), IPv6 grouped by `ipv6Subnet`
   */
  key?: (req: Request) => string | Promise<string>;
  /**
   * IPv6 prefix length the default key groups addresses by (1-128).
   * @default 56
   */
  ipv6Subnet?: number;
  /**
   * Units a request costs: a non-negative integer, or a function of the request. A function that
   * returns something else (e.g. from a bad batch size) answers 400 `invalid-parameter`.
   * @default 1
   */
  cost?: number | ((req: Request) => number | Promise<number>);
  /**
   * Where the state lives.
   * @default memoryStore()
   */
  store?: RateLimitStore;
  /** Requests for which this returns `true` are neither limited nor counted. @default none */
  skip?: (req: Request) => boolean | Promise<boolean>;
  /**
   * `'draft'`: `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers);
   * `'legacy'`: `X-RateLimit-Limit/Remaining/Reset`; `'both'`; `false`: none.
   * @default 'draft'
   */
  headers?: HeadersMode;
  /**
   * `'shadow'` lets rejected requests through (events and headers still report them).
   * @default 'enforce'
   */
  mode?: 'enforce' | 'shadow';
  /**
   * Which requests use up quota: `'all'`, only `'failed'` ones (e.g. login attempts) or only
   * `'successful'` ones. With `'failed'`/`'successful'` the quota is checked before the handler
   * and charged after the response.
   * @default 'all'
   */
  count?: 'all' | 'failed' | 'successful';
  /**
   * Whether a finished response counts as failed (for `count`).
   * @default status ≥ 400, or the connection closed before the response finished
   */
  failed?: (req: Request, res: Response) => boolean;
  /**
   * While the store fails or times out: `'fail-open'` lets requests through, `'fail-closed'`
   * answers 503, `'fallback'` enforces the policies in a local memory store (per instance).
   * @default 'fail-open'
   */
  onStoreError?: StoreErrorPolicy;
  /**
   * How long a store call may take before it counts as failed; no request waits longer.
   * @default '200ms'
   */
  storeTimeout?: Duration;
  /**
   * Circuit breaker: after `failures` consecutive store errors the store is left alone, and one
   * request probes it every `probeInterval` until it answers again.
   * @default { failures: 3, probeInterval: '1s' }
   */
  breaker?: { failures?: number; probeInterval?: Duration };
  /**
   * The store used while degraded with `onStoreError: 'fallback'` (only then: with another
   * `onStoreError` it is a configuration error).
   * @default memoryStore()
   */
  fallbackStore?: RateLimitStore;
  /**
   * Replaces the 429 response. The `RateLimit` headers and `Retry-After` are already set.
   * @default a 429 `application/problem+json` (`quota-exceeded`, `violated-policies`)
   */
  onLimit?: (req: Request, res: Response, next: NextFunction, info: RateLimitInfo) => void;
  /**
   * Replaces the other problem responses: 400 `invalid-parameter` (bad cost) and 503
   * `unavailable` (`fail-closed`).
   * @default sendProblem(res, problem)
   */
  onError?: (problem: ProblemError, req: Request, res: Response, next: NextFunction) => void;
}

/** Options after validation. */
export interface Resolved {
  readonly policies: readonly CompiledPolicy[];
  readonly key: ((req: Request) => string | Promise<string>) | undefined;
  readonly ipv6Subnet: number;
  readonly cost: number | ((req: Request) => number | Promise<number>);
  readonly store: RateLimitStore;
  readonly skip: ((req: Request) => boolean | Promise<boolean>) | undefined;
  readonly headers: HeadersMode;
  readonly shadow: boolean;
  readonly count: 'all' | 'failed' | 'successful';
  readonly failed: (req: Request, res: Response) => boolean;
  readonly onStoreError: StoreErrorPolicy;
  readonly storeTimeoutMs: number;
  readonly failures: number;
  readonly probeIntervalMs: number;
  readonly fallbackStore: RateLimitStore | undefined;
  readonly onLimit: RateLimitOptions['onLimit'];
  readonly onError: RateLimitOptions['onError'];
}

function oneOf<T>(value: unknown, allowed: readonly T[], fallback: T, option: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ');
    throw new TypeError(`rateLimit: "${option}" must be one of ${list}, got ${describe(value)}`);
  }
  return value as T;
}

function fn<T>(value: T | undefined, option: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`rateLimit: "${option}" must be a function, got ${describe(value)}`);
  }
  return value;
}

function isStore(value: unknown): value is RateLimitStore {
  return typeof value === 'object' && value !== null && typeof (value as RateLimitStore).hit === 'function';
}

const defaultFailed = (_req: Request, res: Response): boolean => res.statusCode >= 400 || !res.writableFinished;

/** Validates the options once, at creation; throws `TypeError` naming the option. */
export function resolveOptions(options: RateLimitOptions): Resolved {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`rateLimit: options must be an object with "policies", got ${describe(options)}`);
  }
  const policies = compilePolicies(options.policies);
  const ipv6Subnet = options.ipv6Subnet ?? 56;
  if (!Number.isInteger(ipv6Subnet) || ipv6Subnet < 1 || ipv6Subnet > 128) {
    throw new TypeError(`rateLimit: "ipv6Subnet" must be an integer from 1 to 128, got ${describe(ipv6Subnet)}`);
  }
  const cost = options.cost ?? 1;
  if (typeof cost !== 'function' && (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < 0)) {
    throw new TypeError(`rateLimit: "cost" must be a non-negative integer or a function, got ${describe(cost)}`);
  }
  for (const [option, value] of [
    ['store', options.store],
    ['fallbackStore', options.fallbackStore],
  ] as const) {
    if (value !== undefined && !isStore(value)) {
      throw new TypeError(
        `rateLimit: "${option}" must be a store such as memoryStore() or redisStore(), got ${describe(value)}`,
      );
    }
  }
  const onStoreError = oneOf(
    options.onStoreError,
    ['fail-open', 'fail-closed', 'fallback'] as const,
    'fail-open',
    'onStoreError',
  );
  if (options.fallbackStore !== undefined && onStoreError !== 'fallback') {
    throw new TypeError(
      `rateLimit: "fallbackStore" is only used with onStoreError: 'fallback', got ${describe(onStoreError)}`,
    );
  }
  const storeTimeoutMs = parseDuration(options.storeTimeout ?? '200ms', 'rateLimit: "storeTimeout"');
  if (storeTimeoutMs < 1) throw new TypeError('rateLimit: "storeTimeout" must be at least 1ms, got 0');
  if (options.breaker !== undefined && (typeof options.breaker !== 'object' || options.breaker === null)) {
    throw new TypeError(
      `rateLimit: "breaker" must be an object { failures, probeInterval }, got ${describe(options.breaker)}`,
    );
  }
  const failures = options.breaker?.failures ?? 3;
  if (!Number.isSafeInteger(failures) || failures < 1) {
    throw new TypeError(`rateLimit: "breaker.failures" must be a positive integer, got ${describe(failures)}`);
  }
  const probeIntervalMs = parseDuration(options.breaker?.probeInterval ?? '1s', 'rateLimit: "breaker.probeInterval"');
  return {
    policies,
    key: fn(options.key, 'key'),
    ipv6Subnet,
    cost,
    store: options.store ?? memoryStore(),
    skip: fn(options.skip, 'skip'),
    headers: oneOf(options.headers, ['draft', 'legacy', 'both', false] as const, 'draft', 'headers'),
    shadow: oneOf(options.mode, ['enforce', 'shadow'] as const, 'enforce', 'mode') === 'shadow',
    count: oneOf(options.count, ['all', 'failed', 'successful'] as const, 'all', 'count'),
    failed: fn(options.failed, 'failed') ?? defaultFailed,
    onStoreError,
    storeTimeoutMs,
    failures,
    probeIntervalMs,
    fallbackStore: onStoreError === 'fallback' ? (options.fallbackStore ?? memoryStore()) : undefined,
    onLimit: fn(options.onLimit, 'onLimit'),
    onError: fn(options.onError, 'onError'),
  };
}
