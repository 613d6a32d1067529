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
 * The response headers for a decision (`Retry-After` is added by the 429 response itself), as a
 * record: what `headerWriter` writes, collected.
 */
export function rateLimitHeaders(
  mode: HeadersMode,
  policies: readonly CompiledPolicy[],
  decision: Decision,
  nowMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const target: HeaderTarget = {
    setHeader: (name, value) => {
      headers[name] = value;
    },
  };
  headerWriter(mode, policies)?.(target, decision, () => nowMs);
  return headers;
}

/** What `headerWriter` writes to: an Express (or `node:http`) response. */
export interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/**
 * The per-request form of `rateLimitHeaders` for one limiter: the same header fields, written
 * straight to the response, with everything that does not depend on the decision (the
 * `RateLimit-Policy` value, each policy's `"<name>";r=` prefix) built once, at creation.
 * Returns `undefined` for `headers: false`.
 */
export function headerWriter(
  mode: HeadersMode,
  policies: readonly CompiledPolicy[],
): ((res: HeaderTarget, decision: Decision, nowMs: () => number) => void) | undefined {
  if (mode === false) return undefined;
  const draft = mode === 'draft' || mode === 'both';
  const legacy = mode === 'legacy' || mode === 'both';
  const policyValue = policyHeader(policies);
  const prefixes = policies.map((p, i) => `${i === 0 ? '' : ', '}"${p.name}";r=`);
  return (res, decision, nowMs) => {
    const results = decision.policies;
    if (draft) {
      res.setHeader('RateLimit-Policy', policyValue);
      let value = '';
      for (let i = 0; i < results.length; i++) {
        const result = results[i];
        if (result === undefined) continue;
        value += `${prefixes[i] ?? `, "${result.name}";r=`}${result.remaining};t=${resetSeconds(result)}`;
      }
      res.setHeader('RateLimit', value);
    }
    if (legacy) {
      const i = results.length === 1 ? 0 : tightest(decision);
      const policy = policies[i];
      const result = results[i];
      if (policy && result) {
        res.setHeader('X-RateLimit-Limit', String(policy.limit));
        res.setHeader('X-RateLimit-Remaining', String(result.remaining));
        res.setHeader('X-RateLimit-Reset', String(Math.ceil((nowMs() + resetSeconds(result) * 1000) / 1000)));
      }
    }
  };
}
