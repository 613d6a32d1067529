import { type Duration, parseDuration } from '@expresskit/core';
import type { Algorithm, CompiledPolicy } from './gcra.js';

/** One quota: `limit` units per `window`, e.g. `{ name: 'per-second', limit: 10, window: '1s' }`. */
export interface Policy {
  /**
   * Names the policy in the `RateLimit` headers, the 429 body and the store keys. Letters, digits
   * and `_ . - : /`, at most 64 characters; unique within one limiter. Limiters that share a store
   * and a policy name share that quota (one counter for several routes).
   */
  name: string;
  /** Units (requests, or `cost` units) per window: a positive integer. */
  limit: number;
  /** The window: a whole number of seconds (`'1s'`, `'1m'`, `'1h'`, `3600000`). */
  window: Duration;
  /**
   * GCRA only: how many units may be spent at once from a full quota (the bucket size). After a
   * burst, units come back one every `window / limit`.
   * @default limit
   */
  burst?: number;
  /**
   * `'gcra'` spreads the quota evenly (no double burst at window edges, exact retry times);
   * `'fixed-window'` counts per calendar window aligned to the epoch (simple, but allows up to
   * 2 × limit around a window edge).
   * @default 'gcra'
   */
  algorithm?: Algorithm;
}

const NAME = /^[A-Za-z0-9_.:/-]{1,64}$/;

/** A value as it reads in a configuration error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

function positiveInteger(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`rateLimit: "${option}" must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** Validates `policies` (one policy or a non-empty array) and compiles them; throws `TypeError` naming the option. */
export function compilePolicies(policies: unknown): CompiledPolicy[] {
  const list: unknown[] = Array.isArray(policies) ? policies : [policies];
  if (policies === undefined || list.length === 0) {
    throw new TypeError(
      `rateLimit: "policies" must be a policy or a non-empty array of policies, got ${describe(policies)}`,
    );
  }
  const names = new Set<string>();
  return list.map((value, index) => {
    const at = Array.isArray(policies) ? `policies[${index}]` : 'policies';
    if (typeof value !== 'object' || value === null) {
      throw new TypeError(`rateLimit: "${at}" must be an object { name, limit, window }, got ${describe(value)}`);
    }
    const policy = value as Partial<Policy>;
    if (typeof policy.name !== 'string' || !NAME.test(policy.name)) {
      throw new TypeError(
        `rateLimit: "${at}.name" must be 1-64 letters, digits or _ . : / -, got ${describe(policy.name)}`,
      );
    }
    if (names.has(policy.name)) throw new TypeError(`rateLimit: "${at}.name" must be unique, "${policy.name}" repeats`);
    names.add(policy.name);
    const limit = positiveInteger(policy.limit, `${at}.limit`);
    const windowMs = parseDuration(policy.window, `rateLimit: "${at}.window"`);
    if (windowMs < 1000 || windowMs % 1000 !== 0) {
      throw new TypeError(
        `rateLimit: "${at}.window" must be a whole number of seconds (the RateLimit headers count in seconds), got ${describe(policy.window)}`,
      );
    }
    const windowUs = windowMs * 1000;
    if (limit > windowUs) {
      throw new TypeError(`rateLimit: "${at}.limit" must be at most one per microsecond of the window, got ${limit}`);
    }
    const algorithm = policy.algorithm ?? 'gcra';
    if (algorithm !== 'gcra' && algorithm !== 'fixed-window') {
      throw new TypeError(`rateLimit: "${at}.algorithm" must be 'gcra' or 'fixed-window', got ${describe(algorithm)}`);
    }
    if (algorithm === 'fixed-window') {
      if (policy.burst !== undefined) {
        throw new TypeError(`rateLimit: "${at}.burst" only applies to the 'gcra' algorithm`);
      }
      return { name: policy.name, limit, windowMs, burst: limit, algorithm, intervalUs: windowUs, toleranceUs: limit };
    }
    const burst = policy.burst === undefined ? limit : positiveInteger(policy.burst, `${at}.burst`);
    // T rounded to a whole microsecond: the rate is exact to within 0.5 µs per unit.
    const intervalUs = Math.round(windowUs / limit);
    return { name: policy.name, limit, windowMs, burst, algorithm, intervalUs, toleranceUs: burst * intervalUs };
  });
}
