/**
 * The app's configuration, read from the environment once at start. Every value is validated
 * here, so a typo in a deployment fails at boot with a message naming the variable instead of
 * surfacing later as odd behaviour.
 */
export interface Config {
  /** TCP port to listen on. @default 3000 */
  readonly port: number;
  /** Redis connection URL; when set, the rate limiter, the cache's L2 + invalidation bus and a readiness check use it. @default undefined (memory only) */
  readonly redisUrl: string | undefined;
  /** Requests per minute per client on the API routes. @default 600 */
  readonly rateLimit: number;
  /** HMAC key that signs pagination cursors (≥ 16 bytes). @default a fixed development key, with a warning */
  readonly cursorSecret: string;
  /** Bearer token protecting `GET /metrics`. @default undefined (open) */
  readonly metricsToken: string | undefined;
}

/** The cursor key used when `CURSOR_SECRET` is unset: fine on a laptop, never in production. */
export const DEV_CURSOR_SECRET = 'expresskit-example-dev-only-secret';

/** Thrown for an invalid environment variable; `server.ts` prints the message and exits 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration from `env`; throws a `ConfigError` naming the variable. */
export function loadConfig(env: Env): Config {
  return {
    port: integerVar(env, 'PORT', 3000, { min: 0, max: 65_535 }),
    redisUrl: redisUrlVar(env),
    // At most one request per microsecond of the window: the finest rate @expresskit/rate-limit represents.
    rateLimit: integerVar(env, 'RATE_LIMIT', 600, { min: 1, max: 60_000_000 }),
    cursorSecret: cursorSecretVar(env),
    metricsToken: optionalVar(env, 'METRICS_TOKEN'),
  };
}

/** `undefined` for an unset or empty variable (an empty `FOO=` in a .env file means "not set"). */
function optionalVar(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integerVar(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = optionalVar(env, name);
  if (raw === undefined) return fallback;
  // Digits only: `Number('1e3')`, `Number(' 8 ')` or `parseInt('80abc')` would accept typos.
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(`${name} must be an integer from ${range.min} to ${range.max}, got "${raw}"`);
  }
  return value;
}

function redisUrlVar(env: Env): string | undefined {
  const raw = optionalVar(env, 'REDIS_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL must be a URL such as redis://127.0.0.1:6379, got "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${raw}"`);
  }
  return raw;
}

function cursorSecretVar(env: Env): string {
  const raw = optionalVar(env, 'CURSOR_SECRET');
  if (raw === undefined) return DEV_CURSOR_SECRET;
  if (Buffer.byteLength(raw) < 16) {
    throw new ConfigError(`CURSOR_SECRET must be at least 16 bytes long, got ${Buffer.byteLength(raw)}`);
  }
  return raw;
}
