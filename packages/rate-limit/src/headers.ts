import type { CompiledPolicy, Decision } from './gcra.js';

/** Which rate-limit header fields to send. */
export type HeadersMode = 'draft' | 'legacy' | 'both' | false;

const seconds = (us: number): number => Math.max(0, Math.ceil(us / 1_000_000));

/** `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): one list member per policy. */
export function policyHeader(policies: readonly CompiledPolicy[]): string {
  return policies.map((p) => `"${p.name}";q=${p.limit};w=${p.windowMs / 1000}`).join(', ');
}

/**
 * The seconds a client should wait before retrying a rejected request: the latest time at which
 * every violated policy admits it. `undefined` when a policy can never admit it (cost above burst).
 */
export function retryAfter(decision: Decision): number | undefined {
  let wait = 0;
  for (const policy of decision.policies) {
    if (policy.conform) continue;
    if (policy.retryUs < 0) return undefined;
    wait = Math.max(wait, seconds(policy.retryUs));
  }
  return wait;
}

/**
 * `t` of one policy: the seconds until its quota is fully restored, except for a policy that
 * rejected the request, where it is the seconds until the request would be admitted (so a
 * 429's `Retry-After` is never earlier than the `t` of any violated policy).
 */
function resetSeconds(policy: Decision['policies'][number]): number {
  return !policy.conform && policy.retryUs >= 0 ? seconds(policy.retryUs) : seconds(policy.resetUs);
}

/** `RateLimit`: `"<name>";r=<remaining>;t=<seconds>` per policy. */
export function rateLimitHeader(decision: Decision): string {
  return decision.policies.map((p) => `"${p.name}";r=${p.remaining};t=${resetSeconds(p)}`).join(', ');
}

/**
 * The policy the legacy `X-RateLimit-*` headers describe: the first violated one, else the one
 * with the fewest units left (ties: the later reset).
 */
function tightest(decision: Decision): number {
  let best = 0;
  decision.policies.forEach((policy, i) => {
    const current = decision.policies[best];
    if (current === undefined || i === best) return;
    if (!current.conform) return;
    if (
      !policy.conform ||
      policy.remaining < current.remaining ||
      (policy.remaining === current.remaining && policy.resetUs > current.resetUs)
    ) {
      best = i;
    }
  });
  return best;
}

/**
 * The response headers for a decision (`Retry-After` is added by the 429 response itself).
 * `policyValue` is the `RateLimit-Policy` value, which the limiter computes once at creation.
 */
export function rateLimitHeaders(
  mode: HeadersMode,
  policies: readonly CompiledPolicy[],
  decision: Decision,
  nowMs: number,
  policyValue: string = policyHeader(policies),
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (mode === 'draft' || mode === 'both') {
    headers['RateLimit-Policy'] = policyValue;
    headers.RateLimit = rateLimitHeader(decision);
  }
  if (mode === 'legacy' || mode === 'both') {
    const i = tightest(decision);
    const policy = policies[i];
    const result = decision.policies[i];
    if (policy && result) {
      headers['X-RateLimit-Limit'] = String(policy.limit);
      headers['X-RateLimit-Remaining'] = String(result.remaining);
      headers['X-RateLimit-Reset'] = String(Math.ceil((nowMs + resetSeconds(result) * 1000) / 1000));
    }
  }
  return headers;
}
