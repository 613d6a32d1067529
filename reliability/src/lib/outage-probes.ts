import { metricValue } from './redis-backends.js';

/** A response as the scenarios look at it: status, the headers they assert on, the parsed body. */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  /** `Date.now()` when the body was read. */
  at: number;
}

/** One request with `fetch` (keep-alive pool), the body read and parsed when it is JSON. */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  const json = /json/.test(res.headers.get('content-type') ?? '');
  return { status: res.status, headers: res.headers, body: json && text ? JSON.parse(text) : text, at: Date.now() };
}

/** What one probe client got from each instance: allowed (2xx), limited (429) and anything else. */
export interface QuotaProbe {
  allowed: Record<string, number>;
  limited: Record<string, number>;
  other: number[];
  /** Every `RateLimit-Policy` value seen (one, when every answer was decided by the limiter). */
  policies: string[];
  /** Distinct 429 `type`s (quota-exceeded for a limiter decision). */
  limitedTypes: string[];
}

/**
 * One client (`X-Forwarded-For: clientIp`) sends `count` requests one after the other, round robin
 * over `instances`, and counts how each was answered.
 */
export async function probeQuota(
  instances: ReadonlyArray<{ name: string; url: string }>,
  clientIp: string,
  count: number,
): Promise<QuotaProbe> {
  const probe: QuotaProbe = { allowed: {}, limited: {}, other: [], policies: [], limitedTypes: [] };
  for (let i = 0; i < count; i++) {
    const instance = instances[i % instances.length] as { name: string; url: string };
    const answer = await send(`${instance.url}/categories`, { headers: { 'X-Forwarded-For': clientIp } });
    const bucket = answer.status === 200 ? probe.allowed : answer.status === 429 ? probe.limited : undefined;
    if (bucket) bucket[instance.name] = (bucket[instance.name] ?? 0) + 1;
    else probe.other.push(answer.status);
    const policy = answer.headers.get('ratelimit-policy') ?? '(none)';
    if (!probe.policies.includes(policy)) probe.policies.push(policy);
    const type = answer.status === 429 ? String((answer.body as { type?: unknown }).type) : undefined;
    if (type !== undefined && !probe.limitedTypes.includes(type)) probe.limitedTypes.push(type);
  }
  return probe;
}

/**
 * `probeQuota` with Redis up, repeated with a fresh client (up to `attempts` times) unless every
 * decision of the probe came from Redis: with `onStoreError: 'fallback'` a store call slower than
 * REDIS_TIMEOUT (event-loop lag on a loaded machine) is decided by the local fallback, and three in
 * a row open the breaker, which sends requests to the fallback without calling Redis for a second.
 * A probe counts only when, on both instances, the limiter was not degraded before and after it and
 * no store call failed meanwhile.
 */
export async function probeSharedQuota(
  instances: ReadonlyArray<{ name: string; url: string }>,
  clientIp: (attempt: number) => string,
  count: number,
  attempts = 5,
): Promise<{ probe: QuotaProbe; attempts: number; clean: boolean }> {
  for (let attempt = 1; ; attempt++) {
    // Wait (up to 3 s) for a limiter that is on Redis.
    let before = await limiterHealth(instances);
    for (let poll = 0; before.degraded > 0 && poll < 30; poll++) {
      await sleep(100);
      before = await limiterHealth(instances);
    }
    const probe = await probeQuota(instances, clientIp(attempt), count);
    const after = await limiterHealth(instances);
    const clean = before.degraded === 0 && after.degraded === 0 && after.errors === before.errors;
    if (clean || attempt === attempts) return { probe, attempts: attempt, clean };
  }
}

/** Store errors so far and limiters degraded now, summed over `instances`. */
async function limiterHealth(instances: ReadonlyArray<{ url: string }>): Promise<{ errors: number; degraded: number }> {
  const expositions = await Promise.all(instances.map((instance) => send(`${instance.url}/metrics`)));
  let errors = 0;
  let degraded = 0;
  for (const answer of expositions) {
    errors += metricValue(String(answer.body), 'expresskit_rate_limit_store_errors_total', {});
    degraded += metricValue(String(answer.body), 'expresskit_rate_limit_store_degraded', {});
  }
  return { errors, degraded };
}

/** What an instance says about its Redis-backed parts right now. */
export interface InstanceState {
  /** `/health/ready`: HTTP status and `status` member. */
  ready: string;
  /** `expresskit_rate_limit_store_degraded` summed over its series: 1 while the limiter uses its fallback. */
  degraded: number;
  /** `expresskit_cache_invalidations_total{source="remote"}`: bus messages applied, and L1 flushes on (re)subscribe. */
  remoteInvalidations: number;
}

export async function instanceState(url: string): Promise<InstanceState> {
  const [ready, metrics] = await Promise.all([send(`${url}/health/ready`), send(`${url}/metrics`)]);
  const exposition = String(metrics.body);
  return {
    ready: `${ready.status} ${(ready.body as { status?: string }).status}`,
    degraded: metricValue(exposition, 'expresskit_rate_limit_store_degraded', {}),
    remoteInvalidations: metricValue(exposition, 'expresskit_cache_invalidations_total', { source: 'remote' }),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One cross-instance write: `b` holds product `id` in its memory cache, `a` PATCHes it, and `b` is
 * read until a GET sent `delayMs` after the PATCH's answer (the "GET through B within
 * 100 ms") has been answered; that GET's answer is the one asserted.
 */
export interface BusTrial {
  /** `X-Cache` of `b`'s second read before the write (`HIT`: from its memory cache). */
  cachedAtB: string | null;
  patchStatus: number;
  /** ETags: before the write, of the PATCH's answer, and of `b`'s answer to the GET sent `delayMs` later. */
  before: string | null;
  patched: string | null;
  seen: string | null;
  seenStock: unknown;
  /** From the PATCH's answer to `b`'s first answer with the new ETag (informational; undefined if none). */
  firstFreshMs: number | undefined;
  /** Every status of the trial, for the 5xx count. */
  statuses: number[];
}

export async function busTrial(a: string, b: string, id: number, stock: number, delayMs = 100): Promise<BusTrial> {
  const statuses: number[] = [];
  // A client of its own (the app runs with TRUST_PROXY), so the trial never meets a rate limit.
  const client = { 'X-Forwarded-For': `203.0.113.${id % 256}` };
  const get = async (url: string, init: RequestInit = {}) => {
    const answer = await send(url, { ...init, headers: { ...client, ...(init.headers as Record<string, string>) } });
    statuses.push(answer.status);
    return answer;
  };
  await get(`${b}/products/${id}`);
  const cached = await get(`${b}/products/${id}`);
  const original = await get(`${a}/products/${id}`);
  const patched = await get(`${a}/products/${id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json', 'If-Match': original.headers.get('etag') ?? '' },
    body: JSON.stringify({ stock }),
  });
  const fresh = (answer: Answer) => answer.headers.get('etag') === patched.headers.get('etag');
  let firstFreshMs: number | undefined;
  let asserted: Answer | undefined;
  while (asserted === undefined) {
    // Once fresh, wait for the mark; before, keep reading (to time the first fresh answer).
    if (firstFreshMs !== undefined) await sleep(Math.max(0, patched.at + delayMs - Date.now()));
    const sentAt = Date.now();
    const answer = await get(`${b}/products/${id}`);
    if (firstFreshMs === undefined && fresh(answer)) firstFreshMs = answer.at - patched.at;
    if (sentAt >= patched.at + delayMs) asserted = answer;
  }
  return {
    cachedAtB: cached.headers.get('x-cache'),
    patchStatus: patched.status,
    before: original.headers.get('etag'),
    patched: patched.headers.get('etag'),
    seen: asserted.headers.get('etag'),
    seenStock: (asserted.body as { stock?: unknown }).stock,
    firstFreshMs,
    statuses,
  };
}
