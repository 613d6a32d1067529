/** A stored response and its binary encoding for Redis (a length-prefixed JSON head, then the raw body). */

import { ownBytes } from './own-bytes.js';

export type StoredHeaders = Record<string, string | string[]>;

export interface CacheEntry {
  readonly status: number;
  /** Response headers (lower-case names) the handler set, without hop-by-hop ones. */
  readonly headers: StoredHeaders;
  /** The identity (or handler-encoded) body. */
  readonly body: Buffer;
  /** Strong ETag of `body`, computed once when stored. */
  readonly etag: string;
  /** When the entry was stored (epoch ms). */
  readonly storedAt: number;
  /** Fresh lifetime, stale-while-revalidate and stale-if-error windows in ms. */
  readonly ttl: number;
  readonly swr: number;
  readonly sie: number;
  /** Tags the entry was stored under (invalidating one of them invalidates the entry). */
  readonly tags: readonly string[];
  /**
   * Set on a pointer entry stored at a base key whose response carries `Vary`: the request header
   * names that select the variant. Such an entry has an empty body.
   */
  readonly vary?: readonly string[];
}

const MAGIC = 0xe1;

interface Head {
  s: number;
  h: StoredHeaders;
  e: string;
  t: number;
  ttl: number;
  swr: number;
  sie: number;
  g: readonly string[];
  v?: readonly string[];
  /** Store-private extras, e.g. tag versions. */
  x?: Record<string, unknown>;
}

/** Encodes `entry` as one Buffer: `0xE1`, uint32 head length, JSON head, raw body bytes. */
export function encodeEntry(entry: CacheEntry, extra?: Record<string, unknown>): Buffer {
  const head: Head = {
    s: entry.status,
    h: entry.headers,
    e: entry.etag,
    t: entry.storedAt,
    ttl: entry.ttl,
    swr: entry.swr,
    sie: entry.sie,
    g: entry.tags,
    ...(entry.vary === undefined ? {} : { v: entry.vary }),
    ...(extra === undefined ? {} : { x: extra }),
  };
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const prefix = Buffer.allocUnsafe(5);
  prefix.writeUInt8(MAGIC, 0);
  prefix.writeUInt32BE(json.length, 1);
  return Buffer.concat([prefix, json, entry.body]);
}

/** Decodes what `encodeEntry` produced; `undefined` for anything else (foreign or corrupt data). */
export function decodeEntry(data: Buffer): { entry: CacheEntry; extra: Record<string, unknown> } | undefined {
  if (data.length < 5 || data.readUInt8(0) !== MAGIC) return undefined;
  const length = data.readUInt32BE(1);
  if (5 + length > data.length) return undefined;
  let head: Head;
  try {
    head = JSON.parse(data.subarray(5, 5 + length).toString('utf8')) as Head;
  } catch {
    return undefined;
  }
  if (typeof head.s !== 'number' || typeof head.e !== 'string' || typeof head.t !== 'number') return undefined;
  const entry: CacheEntry = {
    status: head.s,
    headers: head.h,
    body: ownBytes(data.subarray(5 + length)),
    etag: head.e,
    storedAt: head.t,
    ttl: head.ttl,
    swr: head.swr,
    sie: head.sie,
    tags: head.g,
    ...(head.v === undefined ? {} : { vary: head.v }),
  };
  return { entry, extra: head.x ?? {} };
}

/** Approximate memory footprint of an entry, for byte-bounded stores. */
export function entrySize(entry: CacheEntry): number {
  return entry.body.length + JSON.stringify(entry.headers).length + 200 + entry.tags.join('').length;
}
