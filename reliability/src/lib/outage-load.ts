import autocannon, { type Request } from 'autocannon';

/** The product ids the reads go to (skewed towards the first ones, as a shop's best sellers). */
const HOT_PRODUCTS = 200;
const CATEGORIES = ['audio', 'bags', 'bath', 'books', 'coffee', 'kitchen', 'lighting', 'office', 'tools', 'toys'];
const SORTS = ['-created_at', 'price', '-price', 'name'];

/** One answered load request, as the scenarios need it. */
export interface LoadResponse {
  /** `Date.now()` when the response was complete. */
  at: number;
  /** Milliseconds from writing the request to its complete response. */
  latencyMs: number;
  status: number;
  /** Whether the response carried `RateLimit-Policy` (the limiter decided, from Redis or its fallback). */
  limited: boolean;
  path: string;
  /** The body of a 5xx, for the report. */
  body?: string;
}

interface Context {
  path?: string;
  sentAt?: number;
}

/**
 * Read-only request mix for autocannon, every request from another client address
 * (`X-Forwarded-For: 10.x.y.z`, the app runs with `TRUST_PROXY=loopback`): many clients behind a
 * load balancer, none of which comes near its quota, so no load request is ever limited and every
 * 429 in a scenario comes from its probe clients. Reads: single products (skewed to a hot set),
 * `?fields=` selections, first pages of categories × sorts, 50-item pages and `/categories`.
 */
export function readMix(
  seed: number,
  onResponse: (response: LoadResponse) => void,
  onSend: () => void = () => {},
): Request[] {
  let state = seed >>> 0;
  const random = (): number => {
    // mulberry32: deterministic, so two runs send the same sequence.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  let client = (seed & 0xff) << 16;
  const nextClient = (): string => {
    client = (client + 1) & 0xffffff;
    return `10.${(client >>> 16) & 0xff}.${(client >>> 8) & 0xff}.${client & 0xff}`;
  };
  const path = (): string => {
    const roll = random();
    const hot = 1 + Math.floor(HOT_PRODUCTS * random() ** 3);
    if (roll < 0.5) return `/products/${hot}`;
    if (roll < 0.6) return `/products/${hot}?fields=name,price`;
    if (roll < 0.85) return `/products?category=${pick(CATEGORIES)}&sort=${pick(SORTS)}`;
    if (roll < 0.95) return `/products?limit=50&sort=${pick(SORTS)}`;
    return '/categories';
  };
  return [
    {
      method: 'GET',
      path: '/categories',
      setupRequest: (request, context: Context) => {
        request.method = 'GET';
        request.path = path();
        request.headers = { 'x-forwarded-for': nextClient(), 'accept-encoding': 'gzip' };
        context.path = request.path;
        context.sentAt = performance.now();
        onSend();
        return request;
      },
      onResponse: (status, body, context: Context, headers) => {
        const now = performance.now();
        onResponse({
          at: Date.now(),
          latencyMs: now - (context.sentAt ?? now),
          status,
          // autocannon keeps the header names as the server sent them (`RateLimit-Policy`).
          limited: Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'ratelimit-policy'),
          path: context.path ?? '?',
          ...(status >= 500 ? { body: body.slice(0, 300) } : {}),
        });
      },
    },
  ];
}

export interface RunningLoad {
  /** Stops sending and resolves with autocannon's totals once every connection is closed. */
  stop(): Promise<autocannon.Result>;
}

/** Starts autocannon against `url` until `stop()` (bounded by `maxSeconds` in any case). */
export function startLoad(
  url: string,
  options: {
    connections: number;
    overallRate?: number;
    requests: Request[];
    maxSeconds: number;
    setupClient?: (client: autocannon.Client) => void;
  },
): RunningLoad {
  let stopInstance = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        ...(options.setupClient ? { setupClient: options.setupClient } : {}),
        duration: options.maxSeconds,
        requests: options.requests,
        timeout: 10,
      },
      (error: unknown, result) => (error ? reject(error) : resolve(result)),
    );
    stopInstance = () => instance.stop();
  });
  return {
    async stop() {
      stopInstance();
      return done;
    },
  };
}
