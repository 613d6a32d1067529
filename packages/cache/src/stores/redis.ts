import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { decodeEntry, encodeEntry } from '../entry.js';
import type { CacheStore } from '../store.js';

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` client. The store never closes it. */
  client: Redis | Cluster;
  /**
   * Prefix of every key the store writes (entries under `<prefix>e:`, tag counters under `<prefix>t:`).
   * @default 'expresskit:cache:'
   */
  prefix?: string;
}

/** A Redis store exposes its client and prefix so the response cache can build its invalidation bus. */
export interface RedisCacheStore extends CacheStore {
  readonly client: Redis | Cluster;
  readonly prefix: string;
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * One round trip for a read on a single Redis: the entry and the current versions of its tags
 * (read from the entry's JSON head). Replies `false` (missing), `{ data }` (no tags, or a head the
 * script cannot read: the caller then reads the versions itself) or `{ data, versions }`. Not used
 * on a Cluster, where the tag counters live in other slots than the entry.
 */
const GET_SCRIPT = `local data = redis.call('GET', KEYS[1])
if not data then return false end
if #data < 5 or string.byte(data, 1) ~= 225 then return {data} end
local b1, b2, b3, b4 = string.byte(data, 2, 5)
local len = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
local ok, head = pcall(cjson.decode, string.sub(data, 6, 5 + len))
if not ok or type(head) ~= 'table' or type(head.g) ~= 'table' or #head.g == 0 then return {data} end
local keys = {}
for i, tag in ipairs(head.g) do keys[i] = ARGV[1] .. tag end
return {data, redis.call('MGET', unpack(keys))}`;
const GET_SCRIPT_SHA = createHash('sha1').update(GET_SCRIPT).digest('hex');

type GetReply = [Buffer, (Buffer | null)[]?] | null;

/** Escapes the glob characters of a `SCAN MATCH` pattern. */
function globEscape(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A Redis L2 store (ioredis `Redis` or `Cluster`). Entries are one binary string each (a JSON head
 * followed by the raw body, no JSON-encoded Buffers), written atomically with `SET … PX`. Tags are
 * version counters: an entry records the versions of its tags when stored, and bumping a counter
 * invalidates every entry stored under it without scanning. On a Cluster, counters live in other
 * slots than entries, so they are read with single-key commands, never a cross-slot `MGET`.
 */
export function redisStore(options: RedisStoreOptions): RedisCacheStore {
  const client = options.client;
  if (client === null || typeof client !== 'object' || typeof client.getBuffer !== 'function') {
    throw new TypeError('redisStore: "client" must be an ioredis Redis or Cluster instance');
  }
  const prefix = options.prefix ?? 'expresskit:cache:';
  if (typeof prefix !== 'string') throw new TypeError(`redisStore: "prefix" must be a string, got ${typeof prefix}`);
  const cluster = isCluster(client);
  const entryKey = (key: string): string => `${prefix}e:${key}`;
  const tagKey = (tag: string): string => `${prefix}t:${tag}`;

  const tagVersions = async (tags: readonly string[]): Promise<string[]> => {
    if (tags.length === 0) return [];
    const keys = tags.map(tagKey);
    const values = cluster ? await Promise.all(keys.map((key) => client.get(key))) : await client.mget(...keys);
    return values.map((value) => value ?? '0');
  };

  /** The entry bytes and, when the script could read them, its tags' current versions. */
  const read = async (key: string): Promise<{ data: Buffer; versions?: string[] } | undefined> => {
    if (cluster) {
      const data = await client.getBuffer(key);
      return data === null ? undefined : { data };
    }
    let reply: GetReply;
    try {
      reply = (await client.callBuffer('EVALSHA', GET_SCRIPT_SHA, 1, key, `${prefix}t:`)) as GetReply;
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      reply = (await client.callBuffer('EVAL', GET_SCRIPT, 1, key, `${prefix}t:`)) as GetReply;
    }
    if (!reply) return undefined;
    const [data, versions] = reply;
    return versions ? { data, versions: versions.map((version) => version?.toString() ?? '0') } : { data };
  };

  const unlinkMatching = async (pattern: string): Promise<void> => {
    const nodes = isCluster(client) ? client.nodes('master') : [client];
    await Promise.all(
      nodes.map(async (node) => {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) {
            const pipeline = node.pipeline();
            for (const key of keys) pipeline.unlink(key);
            await pipeline.exec();
          }
        } while (cursor !== '0');
      }),
    );
  };

  return {
    name: 'redis',
    client,
    prefix,
    async get(key) {
      const found = await read(entryKey(key));
      if (!found) return undefined;
      const decoded = decodeEntry(found.data);
      if (!decoded) return undefined;
      const { entry, extra } = decoded;
      if (entry.tags.length > 0) {
        const recorded = extra.tv;
        const current = found.versions?.length === entry.tags.length ? found.versions : await tagVersions(entry.tags);
        if (!Array.isArray(recorded) || current.some((version, i) => recorded[i] !== version)) return undefined;
      }
      return entry;
    },
    async set(key, entry, retentionMs) {
      const ms = Math.ceil(retentionMs);
      if (ms <= 0) {
        await client.unlink(entryKey(key));
        return;
      }
      const tv = await tagVersions(entry.tags);
      await client.set(entryKey(key), encodeEntry(entry, { tv }), 'PX', ms);
    },
    async setMany(writes) {
      // The tag versions are read once for all writes, then every entry is written in one MULTI
      // (atomic) on a single Redis; on a Cluster the keys live in different slots, so the SETs go
      // out together but each is atomic on its own.
      const tags = [...new Set(writes.flatMap((write) => write.entry.tags))];
      const versions = new Map<string, string>();
      for (const [i, version] of (await tagVersions(tags)).entries()) versions.set(tags[i] ?? '', version);
      const commands = writes.map(({ key, entry, retentionMs }) => {
        const tv = entry.tags.map((tag) => versions.get(tag) ?? '0');
        return [entryKey(key), encodeEntry(entry, { tv }), Math.ceil(retentionMs)] as const;
      });
      if (cluster) {
        await Promise.all(
          commands.map(([key, data, ms]) => (ms > 0 ? client.set(key, data, 'PX', ms) : client.unlink(key))),
        );
        return;
      }
      const multi = client.multi();
      for (const [key, data, ms] of commands) {
        if (ms > 0) multi.set(key, data, 'PX', ms);
        else multi.unlink(key);
      }
      const results = await multi.exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
    },
    async delete(keys) {
      if (keys.length === 0) return;
      if (cluster) await Promise.all(keys.map((key) => client.unlink(entryKey(key))));
      else await client.unlink(...keys.map(entryKey));
    },
    async invalidateTags(tags) {
      await Promise.all(tags.map((tag) => client.incr(tagKey(tag))));
    },
    async deletePrefix(keyPrefix) {
      await unlinkMatching(`${globEscape(entryKey(keyPrefix))}*`);
    },
    async clear() {
      await unlinkMatching(`${globEscape(prefix)}*`);
    },
    available: () => {
      // lazyConnect: the first use connects (ioredis only does so when a command is sent).
      if (client.status === 'wait') client.connect().catch(() => {});
      return client.status === 'ready';
    },
    async close() {},
  };
}

/** Whether `store` is a `redisStore` (so the cache can build its bus on the same client). */
export function isRedisStore(store: CacheStore | undefined): store is RedisCacheStore {
  const candidate = store as Partial<RedisCacheStore> | undefined;
  return (
    typeof candidate?.prefix === 'string' &&
    typeof candidate.client === 'object' &&
    typeof candidate.client?.duplicate === 'function'
  );
}
