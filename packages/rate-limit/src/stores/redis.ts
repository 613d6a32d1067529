import type { Cluster, Redis } from 'ioredis';
import type { CompiledPolicy, Decision, Operation, PolicyResult } from '../gcra.js';
import { SCRIPT, SCRIPT_SHA } from './script.js';
import type { RateLimitStore } from './store.js';

export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster` client. It stays yours: the store never closes it. Prefer
   * `enableOfflineQueue: false` or a small `maxRetriesPerRequest`; the limiter bounds every call
   * with its `storeTimeout` either way.
   */
  client: Redis | Cluster;
  /**
   * Prepended to every key: `<prefix>{<key>}:<policy>`. Must not contain `{` or `}` (the hash tag
   * has to be the client key, or every client would share one Cluster slot).
   * @default 'rl:'
   */
  prefix?: string;
}

const OPERATIONS: Record<Operation, string> = { consume: '0', peek: '1', charge: '2' };
/** ioredis states in which a command would only wait in the offline queue. */
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting']);

/** The hash tag must be the client key and nothing else: `{` `}` `%` are escaped, `''` becomes `%`. */
export function redisKey(prefix: string, key: string, policy: string): string {
  const tag = key === '' ? '%' : key.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${prefix}{${tag}}:${policy}`;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * A store on Redis or Redis Cluster (ioredis). Each request is one `EVALSHA` of one Lua script
 * over all of its policies (atomic, one round trip), with Redis `TIME` as the clock; the script
 * is sent with `EVAL` only when the server answers `NOSCRIPT` (first use, restart, failover).
 * Keys share a hash tag per client key, so the store works on a Cluster.
 */
export function redisStore(options: RedisStoreOptions): RateLimitStore {
  const client = options?.client;
  if (client === null || typeof client !== 'object' || typeof client.evalsha !== 'function') {
    throw new TypeError('redisStore: "client" must be an ioredis Redis or Cluster client');
  }
  const prefix = options.prefix ?? 'rl:';
  if (typeof prefix !== 'string') throw new TypeError(`redisStore: "prefix" must be a string, got ${typeof prefix}`);
  if (/[{}]/.test(prefix)) {
    // A brace in the prefix would become the hash tag: every client key in one Cluster slot.
    throw new TypeError(`redisStore: "prefix" must not contain { or }, got ${JSON.stringify(prefix)}`);
  }
  /**
   * Per policy list (the limiter passes the same array every time): the key suffixes and the
   * script arguments after operation and cost, as strings, built once.
   */
  const compiled = new WeakMap<readonly CompiledPolicy[], { suffixes: readonly string[]; args: readonly string[] }>();
  const compile = (policies: readonly CompiledPolicy[]) => {
    let entry = compiled.get(policies);
    if (entry === undefined) {
      entry = {
        suffixes: policies.map((p) => p.name),
        args: policies.flatMap((p) => [
          p.algorithm === 'gcra' ? '0' : '1',
          String(p.intervalUs),
          String(p.toleranceUs),
        ]),
      };
      compiled.set(policies, entry);
    }
    return entry;
  };
  // The last client key and its `<prefix>{<tag>}:` head: a busy client's requests escape it once.
  let lastKey: string | undefined;
  let lastHead = '';

  return {
    name: 'redis',
    async hit(key: string, policies: readonly CompiledPolicy[], cost: number, operation: Operation): Promise<Decision> {
      if (DOWN.has(client.status)) throw new Error(`redisStore: the Redis connection is ${client.status}`);
      if (key !== lastKey) {
        lastHead = redisKey(prefix, key, '');
        lastKey = key;
      }
      const { suffixes, args } = compile(policies);
      // EVALSHA arguments: the keys, then operation, cost and the per-policy arguments.
      const argv: string[] = [];
      for (const suffix of suffixes) argv.push(lastHead + suffix);
      argv.push(OPERATIONS[operation], String(cost));
      for (const arg of args) argv.push(arg);
      let reply: unknown;
      try {
        reply = await client.evalsha(SCRIPT_SHA, suffixes.length, ...argv);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        reply = await client.eval(SCRIPT, suffixes.length, ...argv);
      }
      return parseReply(reply, policies);
    },
    async close(): Promise<void> {},
  };
}

function parseReply(reply: unknown, policies: readonly CompiledPolicy[]): Decision {
  if (!Array.isArray(reply) || reply.length !== 1 + 4 * policies.length) {
    throw new Error('redisStore: unexpected reply from the rate-limit script');
  }
  const results: PolicyResult[] = [];
  for (let i = 0; i < policies.length; i++) {
    const at = 1 + 4 * i;
    results.push({
      name: policies[i]?.name ?? '',
      conform: Number(reply[at]) === 1,
      remaining: Number(reply[at + 1] ?? 0),
      resetUs: Number(reply[at + 2] ?? 0),
      retryUs: Number(reply[at + 3] ?? 0),
    });
  }
  return { allowed: Number(reply[0]) === 1, policies: results };
}
