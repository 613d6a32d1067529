import { FIELDS_MASK, ROUTE } from './payload.js';
import type { ServerName } from './servers/index.js';

/** One side of a comparison: a server (own process) and the request autocannon repeats against it. */
export interface Contender {
  id: string;
  label: string;
  server: ServerName;
  path: string;
  /** Send `If-None-Match` with the ETag a first plain GET returned (the 304 path). */
  conditional?: boolean;
  /** Every response of the run must have this status; anything else fails the scenario. */
  status: number;
}

/** `subject` must reach `min` × `reference` (median of the per-round ratios). */
export interface Target {
  subject: string;
  reference: string;
  min: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** The contender every other one is divided by, round by round. */
  baseline: string;
  contenders: readonly Contender[];
  targets: readonly Target[];
  /** Needs the bench's redis-server. */
  redis?: boolean;
  /** What the scenario measures and how to read it (the figures are added by the report). */
  about: string;
}

const get = (id: string, label: string, server: ServerName, path = ROUTE): Contender => ({
  id,
  label,
  server,
  path,
  status: 200,
});

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'ceiling',
    title: 'Ceiling: node:http vs bare Express 5',
    baseline: 'express',
    contenders: [get('express', 'Express 5 (bare)', 'express'), get('node-http', 'node:http', 'node-http')],
    targets: [],
    about:
      'The same 20-product JSON body from `node:http` and from bare Express 5 (`res.json`). The gap is what Express itself costs; no middleware can be faster than the Express baseline.',
  },
  {
    id: 'rate-limit-memory',
    title: 'Rate limit, in memory (no rejections)',
    baseline: 'erl',
    contenders: [
      get('erl', 'express-rate-limit (memory)', 'rate-limit/erl-memory'),
      get('ours', '@expresskit/rate-limit memoryStore', 'rate-limit/ours-memory'),
      get('flexible', 'rate-limiter-flexible RateLimiterMemory', 'rate-limit/flexible-memory'),
    ],
    targets: [
      { subject: 'ours', reference: 'erl', min: 1 },
      { subject: 'ours', reference: 'flexible', min: 1 },
    ],
    about:
      'One key (all load comes from 127.0.0.1), a quota of 10⁹ per hour so nothing is rejected, IETF draft `RateLimit` headers from all three. Ours runs GCRA per policy and builds the structured headers; express-rate-limit counts a fixed window. rate-limiter-flexible gets the ten-line middleware its README shows (plus the headers): a counter in a `Map`, one promise. Over bare Express each adds only a few µs of the ~190 µs a request costs here, so ours and it differ by less than the spread of the rounds; ours also keeps `req.rateLimit`, counts a limiter mounted twice once, and bounds its keys (LRU).',
  },
  {
    id: 'rate-limit-redis',
    title: 'Rate limit, one local redis-server (no rejections)',
    baseline: 'erl',
    redis: true,
    contenders: [
      get('erl', 'express-rate-limit + rate-limit-redis', 'rate-limit/erl-redis'),
      get('ours', '@expresskit/rate-limit redisStore', 'rate-limit/ours-redis'),
      get('flexible', 'rate-limiter-flexible RateLimiterRedis', 'rate-limit/flexible-redis'),
    ],
    targets: [
      { subject: 'ours', reference: 'erl', min: 1 },
      { subject: 'ours', reference: 'flexible', min: 1 },
    ],
    about:
      'The same limiters against one redis-server on loopback (each server process has its own ioredis client). All three make one round trip per request, a single EVALSHA (counted with MONITOR by the test suite); they differ in the script (ours: TIME, GET, SET for GCRA on the Redis clock; rate-limit-redis: INCR, PTTL; rate-limiter-flexible: SET NX, INCRBY, PTTL) and in the work around it.',
  },
  {
    id: 'cache-hit',
    title: 'Response cache HIT: ours vs apicache',
    baseline: 'apicache',
    contenders: [
      get('apicache', 'apicache (memory) HIT', 'cache/apicache'),
      get('ours', '@expresskit/cache responseCache HIT', 'cache/ours'),
    ],
    targets: [{ subject: 'ours', reference: 'apicache', min: 1 }],
    about:
      'Both caches in memory with a 5-minute TTL; after the warm-up every request is a HIT. Ours also sends a strong ETag, `Age`, `Cache-Status` and `Cache-Control` on every hit.',
  },
  {
    id: 'cache-vs-handler',
    title: 'Response cache HIT vs a 2 ms handler',
    baseline: 'uncached',
    contenders: [
      get('uncached', 'uncached handler (2 ms CPU)', 'cache/uncached-slow'),
      get('ours', '@expresskit/cache HIT of the same handler', 'cache/ours-slow'),
    ],
    targets: [{ subject: 'ours', reference: 'uncached', min: 5 }],
    about:
      'The handler burns 2 ms of CPU per request (standing in for rendering or a driver decoding rows), which caps it near 500 req/s per core; a HIT never runs it.',
  },
  {
    id: 'cache-304',
    title: 'Conditional GET: 304 from the cache vs 200 HIT',
    baseline: 'hit-200',
    contenders: [
      get('hit-200', 'responseCache HIT, 200 with body', 'cache/ours'),
      { ...get('hit-304', 'responseCache HIT, If-None-Match → 304', 'cache/ours'), conditional: true, status: 304 },
    ],
    targets: [],
    about:
      'The same cache server twice: plain GETs (200 with the 3 KB body) against GETs carrying the entry’s ETag in `If-None-Match` (304, no body). The difference is the cost of the body on the wire.',
  },
  {
    id: 'etag',
    title: 'Strong ETag: ours vs Express built-in',
    baseline: 'express',
    contenders: [
      get('express', "Express `app.set('etag', 'strong')`", 'etag/express-strong'),
      get('ours', '@expresskit/cache etag()', 'etag/ours'),
    ],
    targets: [{ subject: 'ours', reference: 'express', min: 1 }],
    about:
      'Both hash every 200 body into a strong ETag (Express: SHA-1 via the `etag` module inside `res.send`; ours: `etag()` with Express’s ETag off, as our README says, hashing with XXH64 in WebAssembly). Ours also answers `If-None-Match`/`If-Match` per RFC 9110. Ours is a middleware and pays what Express’s built-in does not: a router layer (a no-op middleware alone costs about 3 µs of CPU per request here), a per-response state and the `res.send`/`res.end` hooks; its hash (XXH64, about 5× faster than SHA-1: see the micro-benchmarks below) wins that back with a small margin, now that it encodes each string body once, as Express does (for an unconditional GET, with Express’s ETag off and nothing wrapping `res.end` above it, as here, it hashes the bytes Express encodes anyway). Measured without sockets (`pnpm --filter @expresskit/bench inprocess etag/ours etag/express-strong --rounds 10`), Express’s built-in took 1.04× and 1.07× our time per request in two runs (1.008× before the body was encoded once): a margin smaller than what separates two rounds of this table. It grows with the body: hashing and encoding are the only parts of either that scale with it.',
  },
  {
    id: 'metrics',
    title: 'Prometheus request metrics: ours vs express-prom-bundle',
    baseline: 'prom-bundle',
    contenders: [
      get('prom-bundle', 'express-prom-bundle (method, path, status)', 'metrics/prom-bundle'),
      get('ours', '@expresskit/metrics (defaultMetrics off)', 'metrics/ours'),
    ],
    targets: [{ subject: 'ours', reference: 'prom-bundle', min: 1 }],
    about:
      'A duration histogram labelled by method, route and status on a private registry for both; neither collects process metrics. Ours labels the Express route template, express-prom-bundle a normalised URL path.',
  },
  {
    id: 'fields',
    title: 'Field selection over HTTP: ours vs express-partial-response',
    baseline: 'partial-response',
    contenders: [
      get(
        'partial-response',
        'express-partial-response (json-mask)',
        'fields/partial-response',
        `${ROUTE}?fields=${encodeURIComponent(FIELDS_MASK)}`,
      ),
      get('ours', '@expresskit/fields fields()', 'fields/ours', `${ROUTE}?fields=${encodeURIComponent(FIELDS_MASK)}`),
    ],
    targets: [{ subject: 'ours', reference: 'partial-response', min: 1 }],
    about: `\`GET /products?fields=${FIELDS_MASK}\` on the 20-product body: both answer the same JSON. Ours compiles a mask once (LRU) and validates it before the handler runs; express-partial-response re-parses it on every \`res.json\`.`,
  },
  {
    id: 'pagination',
    title: 'Offset pagination: ours vs express-paginate',
    baseline: 'express-paginate',
    contenders: [
      get(
        'express-paginate',
        'express-paginate (+ handler building the same envelope)',
        'pagination/express-paginate',
        `${ROUTE}?page=2&limit=20`,
      ),
      get('ours', '@expresskit/pagination paginate()', 'pagination/ours', `${ROUTE}?page=2&per_page=20`),
    ],
    targets: [{ subject: 'ours', reference: 'express-paginate', min: 1 }],
    about:
      'Page 2 of 1,000 products, 20 per page, each library with its own parameter names. express-paginate only parses the query and offers link helpers, so its handler builds the same body (data, pagination, links), `Link` and `X-Total-Count` headers by hand with them; ours does it in `res.paginate()`.',
  },
  {
    id: 'full-stack',
    title: 'Full stack (all six + compression, cached read) vs bare Express',
    baseline: 'express',
    contenders: [
      get('express', 'bare Express 5 building the page', 'full-stack/express', `${ROUTE}?page=2&per_page=20`),
      get(
        'ours',
        'metrics, compression, health, under-pressure, rate-limit, fields, etag, cache, pagination',
        'full-stack/ours',
        `${ROUTE}?page=2&per_page=20`,
      ),
    ],
    targets: [{ subject: 'ours', reference: 'express', min: 0.75 }],
    about:
      'The `examples/api` middleware order on one cached, paginated route against bare Express computing the same page per request. The load sends no `Accept-Encoding`, so compression passes the body through.',
  },
];

export function findScenario(id: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.id === id);
}
