import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseDuration } from '@expresskit/core';
import { bindingHash } from './canonical.js';
import { invalidParameter } from './problems.js';

/** A value of a sort key that a cursor can carry. `Date` and `bigint` survive the round trip. */
export type CursorValue = string | number | boolean | null | Date | bigint;

/** An HMAC key: a string (UTF-8) or raw bytes, at least 16 bytes long. */
export type CursorSecret = string | Uint8Array;

export interface CursorOptions {
  /**
   * The signing key, or a list of keys for rotation: the first signs, every one verifies. Put the
   * new key first, keep the old one until the longest-lived cursor signed with it has expired.
   * @default none (required)
   */
  secret: CursorSecret | readonly CursorSecret[];
  /**
   * What the cursor is bound to (filters, sort): any JSON-like value, compared by a canonical
   * hash. A cursor decoded with a different `bind` is rejected (`cursor-binding`).
   * @default null
   */
  bind?: unknown;
  /**
   * Lifetime of new cursors, in milliseconds or as a duration (`'15m'`). When set, decoding also
   * rejects a cursor issued without an expiry (`cursor-expired`): enabling a ttl ends immortal cursors.
   * @default undefined (no expiry)
   */
  ttl?: number | string | undefined;
  /** The clock, in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** The query parameter named in problems raised while decoding. @default 'cursor' */
  parameter?: string;
}

/** Format version, the first byte of every payload. */
const VERSION = 1;
const VERSION_BYTE = Buffer.from([VERSION]);
/** Longer tokens are rejected before any hashing. */
export const MAX_CURSOR_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAC_BYTES = 32;
const BIGINT = /^-?[0-9]{1,40}$/;

type Tagged = string | number | boolean | null | { d: string } | { n: string };
interface Payload {
  k: Tagged[];
  b: string;
  e?: number;
}

/** Normalises `secret` into key buffers, or throws a `TypeError` naming `owner`'s option. */
export function resolveSecrets(secret: unknown, owner: string): Buffer[] {
  const list = Array.isArray(secret) ? (secret as unknown[]) : [secret];
  if (list.length === 0) throw new TypeError(`${owner}: "secret" must not be an empty list`);
  return list.map((key) => {
    if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
      throw new TypeError(`${owner}: "secret" must be a string, a Uint8Array or a list of them, got ${typeof key}`);
    }
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length < 16) {
      throw new TypeError(`${owner}: "secret" keys must be at least 16 bytes long, got ${bytes.length}`);
    }
    return bytes;
  });
}

function sign(key: Buffer, encoded: string): Buffer {
  return createHmac('sha256', key).update(encoded).digest();
}

function tag(value: CursorValue): Tagged {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('encodeCursor: cannot encode an invalid Date');
    return { d: value.toISOString() };
  }
  if (typeof value === 'bigint') {
    const digits = value.toString();
    if (!BIGINT.test(digits)) throw new TypeError(`encodeCursor: a bigint cursor value has at most 40 digits`);
    return { n: digits };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`encodeCursor: cannot encode the number ${value}`);
  }
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  throw new TypeError(`encodeCursor: cannot encode a ${typeof value} as a cursor value`);
}

function untag(value: unknown): CursorValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const { d, n } = value as { d?: unknown; n?: unknown };
  if (typeof d === 'string') {
    const date = new Date(d);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (typeof n === 'string' && BIGINT.test(n)) return BigInt(n);
  return undefined;
}

/**
 * Encodes the key `values` of a boundary item as an opaque, signed cursor:
 * `base64url(version ‖ JSON payload) "." base64url(HMAC-SHA256(key, first part))`.
 * The payload carries the values, a hash of `bind` and, with `ttl`, an expiry time. It is signed,
 * not encrypted: do not put secrets in sort keys.
 */
export function encodeCursor(values: readonly CursorValue[], options: CursorOptions): string {
  const [key] = resolveSecrets(options.secret, 'encodeCursor');
  if (key === undefined) throw new TypeError('encodeCursor: "secret" must not be an empty list');
  if (!Array.isArray(values)) throw new TypeError('encodeCursor: "values" must be an array');
  let expires: number | undefined;
  if (options.ttl !== undefined) {
    const ttl = typeof options.ttl === 'string' ? parseDuration(options.ttl, 'ttl') : options.ttl;
    if (!Number.isFinite(ttl) || ttl <= 0) {
      throw new TypeError(`encodeCursor: "ttl" must be a positive duration, got ${String(options.ttl)}`);
    }
    expires = (options.now ?? Date.now)() + ttl;
  }
  return signCursor(values, key, bindingHash(options.bind ?? null), expires);
}

/**
 * {@link encodeCursor} with everything resolved: the signing key, the binding hash (of
 * `bindingHash`) and the expiry time (epoch ms) or `undefined`. For the middleware's hot path.
 */
export function signCursor(
  values: readonly CursorValue[],
  key: Buffer,
  binding: string,
  expires: number | undefined,
): string {
  const payload: Payload = { k: values.map(tag), b: binding };
  if (expires !== undefined) payload.e = expires;
  const encoded = Buffer.concat([VERSION_BYTE, Buffer.from(JSON.stringify(payload), 'utf8')]).toString('base64url');
  const token = `${encoded}.${sign(key, encoded).toString('base64url')}`;
  if (token.length > MAX_CURSOR_LENGTH) {
    // Issuing it would hand the client a link that decodeCursor then rejects.
    throw new TypeError(
      `encodeCursor: the cursor would be ${token.length} characters, over the ${MAX_CURSOR_LENGTH} that decodeCursor accepts; sort on shorter keys`,
    );
  }
  return token;
}

/**
 * Verifies and decodes a cursor made by {@link encodeCursor}, returning its key values. The
 * signature is checked against every key in constant time before anything is parsed. Throws a
 * 400 `ProblemError` (`invalid-parameter`) whose `rule` is `cursor-format`, `cursor-signature`,
 * `cursor-version`, `cursor-expired` or `cursor-binding`.
 */
export function decodeCursor(token: string, options: CursorOptions): CursorValue[] {
  const keys = resolveSecrets(options.secret, 'decodeCursor');
  return verifyCursor(
    token,
    keys,
    bindingHash(options.bind ?? null),
    options.now ?? Date.now,
    options.parameter ?? 'cursor',
    options.ttl !== undefined,
  );
}

/**
 * {@link decodeCursor} with everything resolved: the verifying keys, the expected binding hash
 * (of `bindingHash`), the clock, the parameter named in problems and whether a cursor must carry
 * an expiry (a ttl is configured). For the middleware's hot path.
 */
export function verifyCursor(
  token: string,
  keys: readonly Buffer[],
  binding: string,
  now: () => number,
  parameter: string,
  requireExpiry: boolean,
): CursorValue[] {
  const malformed = () => invalidParameter(parameter, 'cursor-format', `"${parameter}" is not a valid cursor`);
  if (typeof token !== 'string' || token.length > MAX_CURSOR_LENGTH) throw malformed();
  const dot = token.indexOf('.');
  const encoded = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (dot <= 0 || !BASE64URL.test(encoded) || !BASE64URL.test(signature)) throw malformed();
  const given = Buffer.from(signature, 'base64url');
  // Node decodes base64 leniently (unused trailing bits are ignored): insist on the one canonical spelling.
  let valid = given.length === MAC_BYTES && given.toString('base64url') === signature;
  let matched = false;
  for (const key of keys) {
    const expected = sign(key, encoded);
    if (valid && timingSafeEqual(expected, given)) matched = true;
  }
  valid &&= matched;
  if (!valid) throw invalidParameter(parameter, 'cursor-signature', `"${parameter}" has an invalid signature`);
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes[0] !== VERSION) {
    throw invalidParameter(parameter, 'cursor-version', `"${parameter}" was made by an unsupported version`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.subarray(1).toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof payload !== 'object' || payload === null) throw malformed();
  const { k, b, e } = payload as { k?: unknown; b?: unknown; e?: unknown };
  if (!Array.isArray(k) || typeof b !== 'string' || (e !== undefined && typeof e !== 'number')) throw malformed();
  const values = k.map(untag);
  if (values.some((value) => value === undefined)) throw malformed();
  if (e === undefined ? requireExpiry : now() >= e) {
    throw invalidParameter(parameter, 'cursor-expired', `"${parameter}" has expired; start again from the first page`);
  }
  if (b !== binding) {
    throw invalidParameter(
      parameter,
      'cursor-binding',
      `"${parameter}" was issued for other filters or another sort order; start again from the first page`,
    );
  }
  return values as CursorValue[];
}
