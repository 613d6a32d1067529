import { isIP } from 'node:net';
import path from 'node:path';
import { parseDuration } from '@expresskit/core';

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
  /**
   * Redis Cluster start nodes (`REDIS_CLUSTER_NODES=host:port,host:port`), used instead of
   * `redisUrl` (setting both is an error). @default undefined
   */
  readonly redisClusterNodes: readonly RedisNode[] | undefined;
  /** Requests per `rateLimitWindow` per client on the API routes. @default 600 */
  readonly rateLimit: number;
  /** The rate limit's window in whole seconds (`RATE_LIMIT_WINDOW=1m`, `1h`, `30s`; 1 s to 1 d). @default 60 */
  readonly rateLimitWindow: number;
  /**
   * API keys (`API_KEYS=key1,key2`): a request with `X-Api-Key: <one of them>` is rate limited per
   * key (one quota wherever it comes from), any other `X-Api-Key` is a 401. @default [] (per IP only)
   */
  readonly apiKeys: readonly string[];
  /**
   * A SQLite file shared by every instance on this host (`DATABASE_FILE=/var/lib/catalog.sqlite`):
   * the first instance seeds it, writes are locked across processes. @default undefined (in memory, per process)
   */
  readonly databaseFile: string | undefined;
  /** HMAC key that signs pagination cursors (≥ 16 bytes). @default a fixed development key, with a warning */
  readonly cursorSecret: string;
  /** Bearer token protecting `GET /metrics`. @default undefined (open) */
  readonly metricsToken: string | undefined;
  /**
   * Longest wait, in ms, for one Redis command (`REDIS_TIMEOUT=250ms`): the rate limiter's
   * `storeTimeout`, the cache's L2 `timeout` and the readiness check's timeout; past it the request
   * goes on without Redis. 1 ms to 10 s. @default 250
   */
  readonly redisTimeout: number;
  /**
   * How long, in ms, the server keeps serving after SIGTERM with readiness failing (503), so load
   * balancers stop routing here first (`SHUTDOWN_DELAY=5s`). @default 5000 under Kubernetes
   * (`KUBERNETES_SERVICE_HOST` set), else 0
   */
  readonly shutdownDelay: number;
  /**
   * Hard deadline, in ms from SIGTERM, for draining and closing (`SHUTDOWN_TIMEOUT=25s`); past it
   * connections are destroyed and the process exits 1. Longer than `shutdownDelay`, and keep it
   * below Kubernetes' `terminationGracePeriodSeconds`. @default 25000
   */
  readonly shutdownTimeout: number;
  /**
   * Express's `trust proxy` (`TRUST_PROXY`): the number of proxies in front of the app (`1`), or
   * addresses/subnets/`loopback`/`linklocal`/`uniquelocal` separated by commas; `req.ip` (the rate
   * limit's key) is then the client from `X-Forwarded-For`. Never trust every hop: clients could
   * forge the header. @default false (the socket address)
   */
  readonly trustProxy: false | number | readonly string[];
  /**
   * Load shedding (`MAX_EVENT_LOOP_DELAY`): while the event loop lags more than this many ms,
   * API requests get a 503 (probes never do); `off` disables it. 10 ms to 60 s. @default 1000
   */
  readonly maxEventLoopDelay: number | false;
}

/** One Redis Cluster start node. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
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
    redisClusterNodes: redisClusterNodesVar(env),
    // At most one request per microsecond of a minute: the finest rate @expresskit/rate-limit represents.
    rateLimit: integerVar(env, 'RATE_LIMIT', 600, { min: 1, max: 60_000_000 }),
    rateLimitWindow: windowVar(env),
    apiKeys: apiKeysVar(env),
    databaseFile: databaseFileVar(env),
    cursorSecret: cursorSecretVar(env),
    metricsToken: optionalVar(env, 'METRICS_TOKEN'),
    redisTimeout: durationVar(env, 'REDIS_TIMEOUT', 250, { min: 1, max: 10_000 }),
    ...shutdownVars(env),
    trustProxy: trustProxyVar(env),
    maxEventLoopDelay:
      optionalVar(env, 'MAX_EVENT_LOOP_DELAY') === 'off'
        ? false
        : durationVar(env, 'MAX_EVENT_LOOP_DELAY', 1_000, { min: 10, max: 60_000 }),
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

function redisClusterNodesVar(env: Env): RedisNode[] | undefined {
  const raw = optionalVar(env, 'REDIS_CLUSTER_NODES');
  if (raw === undefined) return undefined;
  if (optionalVar(env, 'REDIS_URL') !== undefined) {
    throw new ConfigError('REDIS_URL and REDIS_CLUSTER_NODES are exclusive: set one of them');
  }
  return raw.split(',').map((node) => {
    // host:port, or [IPv6]:port
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(node.trim());
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65_535) {
      throw new ConfigError(
        `REDIS_CLUSTER_NODES must be host:port pairs separated by commas (redis-1:6379,redis-2:6379), got "${raw}"`,
      );
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

const SECONDS_PER_DAY = 86_400;

function windowVar(env: Env): number {
  const raw = optionalVar(env, 'RATE_LIMIT_WINDOW');
  if (raw === undefined) return 60;
  let ms: number;
  try {
    ms = parseDuration(raw, 'RATE_LIMIT_WINDOW');
  } catch {
    ms = Number.NaN;
  }
  if (!(ms % 1000 === 0 && ms >= 1000 && ms <= SECONDS_PER_DAY * 1000)) {
    throw new ConfigError(`RATE_LIMIT_WINDOW must be whole seconds from 1s to 1d (30s, 1m, 1h), got "${raw}"`);
  }
  return ms / 1000;
}

function apiKeysVar(env: Env): string[] {
  const raw = optionalVar(env, 'API_KEYS');
  if (raw === undefined) return [];
  const keys = raw.split(',').map((key) => key.trim());
  for (const key of keys) {
    // Visible ASCII without commas, long enough not to be guessed.
    if (!/^[\x21-\x2b\x2d-\x7e]{16,256}$/.test(key)) {
      throw new ConfigError(
        `API_KEYS must be keys of 16 to 256 visible ASCII characters separated by commas, got one of ${key.length} characters`,
      );
    }
  }
  return [...new Set(keys)];
}

function databaseFileVar(env: Env): string | undefined {
  const raw = optionalVar(env, 'DATABASE_FILE');
  if (raw === undefined) return undefined;
  if (raw.endsWith('/') || raw.endsWith(path.sep) || raw.includes('\0')) {
    throw new ConfigError(`DATABASE_FILE must be a file path such as /var/lib/catalog.sqlite, got "${raw}"`);
  }
  return path.resolve(raw);
}

function cursorSecretVar(env: Env): string {
  const raw = optionalVar(env, 'CURSOR_SECRET');
  if (raw === undefined) return DEV_CURSOR_SECRET;
  if (Buffer.byteLength(raw) < 16) {
    throw new ConfigError(`CURSOR_SECRET must be at least 16 bytes long, got ${Buffer.byteLength(raw)}`);
  }
  return raw;
}

/** A duration (`250ms`, `5s`, or bare milliseconds) within `range`, in ms. */
function durationVar(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = optionalVar(env, name);
  if (raw === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(raw, name);
  } catch {
    ms = Number.NaN;
  }
  if (!(ms >= range.min && ms <= range.max)) {
    throw new ConfigError(
      `${name} must be a duration from ${range.min} ms to ${range.max / 1000} s (250ms, 5s), got "${raw}"`,
    );
  }
  return ms;
}

function shutdownVars(env: Env): { shutdownDelay: number; shutdownTimeout: number } {
  // Behind a Kubernetes Service, endpoints take a few seconds to stop routing here after SIGTERM.
  const inKubernetes = optionalVar(env, 'KUBERNETES_SERVICE_HOST') !== undefined;
  const shutdownDelay = durationVar(env, 'SHUTDOWN_DELAY', inKubernetes ? 5_000 : 0, { min: 0, max: 300_000 });
  const shutdownTimeout = durationVar(env, 'SHUTDOWN_TIMEOUT', 25_000, { min: 1, max: 600_000 });
  if (shutdownTimeout <= shutdownDelay) {
    throw new ConfigError(
      `SHUTDOWN_TIMEOUT (${shutdownTimeout} ms) must be longer than SHUTDOWN_DELAY (${shutdownDelay} ms)`,
    );
  }
  return { shutdownDelay, shutdownTimeout };
}

const TRUST_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address or `address/prefix` that `proxy-addr` (Express's `trust proxy`) accepts. */
function isSubnet(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function trustProxyVar(env: Env): false | number | string[] {
  const raw = optionalVar(env, 'TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw) === 0 ? false : Number(raw);
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => TRUST_NAMES.has(entry) || isSubnet(entry))) return entries;
  throw new ConfigError(
    `TRUST_PROXY must be a number of proxies (1) or addresses, subnets, loopback, linklocal, uniquelocal separated by commas (never "true": clients could forge X-Forwarded-For), got "${raw}"`,
  );
}
