import { createHash } from 'node:crypto';

/**
 * A canonical JSON text of `value`: object keys sorted, arrays in order, `undefined` members
 * dropped. Two equal filter/sort descriptions always give the same text, whatever the key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot bind a cursor to the number ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'bigint') return JSON.stringify(`${value}n`);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`cannot bind a cursor to a ${typeof value}`);
}

/** A short (128-bit) base64url digest of the canonical form of `value`. */
export function bindingHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest().subarray(0, 16).toString('base64url');
}
