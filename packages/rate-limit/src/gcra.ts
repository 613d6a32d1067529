/**
 * The rate-limiting arithmetic, pure and shared by every store: the memory store runs it in
 * JavaScript, the Redis store runs the same steps in Lua (`stores/script.ts`). Time is an integer
 * number of **microseconds** and every state is one integer, so that the arithmetic is exact in
 * IEEE doubles (JavaScript and Lua alike) even for rates such as 7 per minute.
 */

/** `gcra`: the generic cell rate algorithm (smooth; one timestamp per key). `fixed-window`: a counter per calendar window. */
export type Algorithm = 'gcra' | 'fixed-window';

/** A policy after validation, in the units the algorithms use. */
export interface CompiledPolicy {
  readonly name: string;
  /** Requests (cost units) per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** GCRA: how many units may be spent at once from a full quota. Fixed window: `limit`. */
  readonly burst: number;
  readonly algorithm: Algorithm;
  /** GCRA emission interval `T` (µs per unit); fixed window: the window length (µs). */
  readonly intervalUs: number;
  /** GCRA delay variation tolerance `τ = burst × T` (µs); fixed window: the limit. */
  readonly toleranceUs: number;
}

/**
 * What a store does with a request:
 * - `consume`: check every policy; if all conform, charge all of them, else change nothing.
 * - `peek`: the same decision, but nothing is written (check before the response).
 * - `charge`: charge every policy unconditionally (after the response, for the count modes).
 */
export type Operation = 'consume' | 'peek' | 'charge';

/** One policy's outcome for one request. */
export interface PolicyResult {
  readonly name: string;
  /** Whether this policy admitted the request (`charge` always reports `true`). */
  readonly conform: boolean;
  /** Units left after this request (or untouched when the request was rejected). */
  readonly remaining: number;
  /** Microseconds until the quota is fully restored (fixed window: until the window ends). */
  readonly resetUs: number;
  /** Microseconds until this request's cost would conform; 0 when it conforms, -1 when it never can. */
  readonly retryUs: number;
}

/** The outcome of one request across all of its policies. */
export interface Decision {
  /** Every policy conformed (for `consume`, every policy was charged). */
  readonly allowed: boolean;
  readonly policies: readonly PolicyResult[];
}

/** One policy's arithmetic: the verdict and the state to write if the request is charged. */
export interface Step {
  readonly conform: boolean;
  /** Remaining and reset before (state untouched) and after charging. */
  readonly remainingBefore: number;
  readonly resetBefore: number;
  readonly remainingAfter: number;
  readonly resetAfter: number;
  readonly retryUs: number;
  /** The state to store when charged, and for how long (µs) it matters. */
  readonly next: number;
  readonly ttlUs: number;
}

/**
 * GCRA for one policy. `tat` is the stored theoretical arrival time (µs), `undefined` for a new key.
 * A request of `cost` conforms when `max(tat, now) + cost·T − τ ≤ now`.
 */
export function gcra(
  tat: number | undefined,
  now: number,
  cost: number,
  intervalUs: number,
  toleranceUs: number,
): Step {
  const base = tat === undefined || tat < now ? now : tat;
  const next = base + cost * intervalUs;
  const allowAt = next - toleranceUs;
  const conform = allowAt <= now;
  return {
    conform,
    remainingBefore: units(toleranceUs, base - now, intervalUs),
    resetBefore: base - now,
    remainingAfter: units(toleranceUs, next - now, intervalUs),
    resetAfter: next - now,
    retryUs: conform ? 0 : cost * intervalUs > toleranceUs ? -1 : allowAt - now,
    next,
    ttlUs: next - now,
  };
}

/** GCRA: the whole units left in the tolerance after a debt of `debt` µs. */
function units(toleranceUs: number, debt: number, intervalUs: number): number {
  return Math.max(0, Math.floor((toleranceUs - debt) / intervalUs));
}

/**
 * Fixed window for one policy: windows are aligned to the epoch, and the state is
 * `windowStart + count` (µs + units; `limit ≤ window` in µs keeps the two apart).
 */
export function fixedWindow(
  stored: number | undefined,
  now: number,
  cost: number,
  windowUs: number,
  limit: number,
): Step {
  const start = Math.floor(now / windowUs) * windowUs;
  const end = start + windowUs;
  const count = stored !== undefined && stored >= start ? stored - start : 0;
  const after = count + cost;
  const conform = after <= limit;
  return {
    conform,
    remainingBefore: Math.max(0, limit - count),
    resetBefore: end - now,
    remainingAfter: Math.max(0, limit - after),
    resetAfter: end - now,
    retryUs: conform ? 0 : cost > limit ? -1 : end - now,
    next: start + Math.min(after, limit),
    ttlUs: end - now,
  };
}

/** The step of `policy` for a stored state. */
export function step(policy: CompiledPolicy, stored: number | undefined, now: number, cost: number): Step {
  return policy.algorithm === 'gcra'
    ? gcra(stored, now, cost, policy.intervalUs, policy.toleranceUs)
    : fixedWindow(stored, now, cost, policy.intervalUs, policy.toleranceUs);
}

/** A state to write: the new value and its time to live (µs). */
export interface Write {
  readonly state: number;
  readonly ttlUs: number;
}

/**
 * Decides one request over all of its policies, all-or-nothing. Returns the decision and, per
 * policy, the write the store must apply (`undefined`: leave the stored state as it is).
 */
export function decide(
  policies: readonly CompiledPolicy[],
  stored: readonly (number | undefined)[],
  now: number,
  cost: number,
  operation: Operation,
): { decision: Decision; writes: readonly (Write | undefined)[] } {
  // One pass for the steps and the verdict, one for what to report and write: no closures, no
  // intermediate arrays beyond the steps (this runs on every request of the memory store).
  const n = policies.length;
  const steps: Step[] = new Array(n);
  let allowed = true;
  for (let i = 0; i < n; i++) {
    const policy = policies[i] as CompiledPolicy;
    const s = step(policy, stored[i], now, cost);
    steps[i] = s;
    if (!s.conform) allowed = false;
  }
  const charge = operation === 'charge';
  const charged = charge || (operation === 'consume' && allowed);
  const reportAfter = charge || allowed;
  const results: PolicyResult[] = new Array(n);
  const writes: (Write | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = steps[i] as Step;
    results[i] = {
      name: (policies[i] as CompiledPolicy).name,
      conform: charge || s.conform,
      remaining: reportAfter ? s.remainingAfter : s.remainingBefore,
      resetUs: reportAfter ? s.resetAfter : s.resetBefore,
      retryUs: charge ? 0 : s.retryUs,
    };
    writes[i] = charged ? { state: s.next, ttlUs: s.ttlUs } : undefined;
  }
  return { decision: { allowed: charge || allowed, policies: results }, writes };
}
