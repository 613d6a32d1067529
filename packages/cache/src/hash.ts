import { xxh64 } from './xxh64.js';

/* Entity tags (RFC 9110 §8.8.3): making them from bodies, parsing and comparing them. */

/**
 * A strong entity tag for `body`: `"<byte length in hex>-<XXH64, base64url>"`, e.g.
 * `"5-JseCfYifbaM"` for `hello`. XXH64 is a fast 64-bit content hash, not a cryptographic one (see
 * `xxh64.ts`); the length prefix makes collisions between bodies of different sizes impossible.
 * Strings are hashed as their UTF-8 bytes (what Express sends).
 */
export function strongEtag(body: ArrayBufferView | string): string {
  if (typeof body !== 'string') {
    // Any view is tagged as its bytes (a Uint16Array's elements are not bytes).
    return tagOf(body instanceof Uint8Array ? body : new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  }
  const { digest, size } = xxh64.text(body);
  return `"${size.toString(16)}-${digest}"`;
}

/** The weak form of `strongEtag(body)`: `W/"<len-hex>-<hash>"`. */
export function weakEtag(body: ArrayBufferView | string): string {
  return `W/${strongEtag(body)}`;
}

/** `strongEtag(bytes)`. */
export function tagOf(bytes: Uint8Array): string {
  return `"${bytes.byteLength.toString(16)}-${xxh64.bytes(bytes)}"`;
}

/** `strongEtag(body)`, or `undefined` when the body has more than `maxSize` bytes. */
export function tagWithin(body: Uint8Array | string, maxSize: number): string | undefined {
  if (typeof body !== 'string') return body.byteLength <= maxSize ? tagOf(body) : undefined;
  // A string has at least as many UTF-8 bytes as UTF-16 code units, at most three times as many:
  // count them first when the string might be too large, rather than encode it for nothing.
  if (body.length > maxSize) return undefined;
  if (body.length * 3 > maxSize && Buffer.byteLength(body, 'utf8') > maxSize) return undefined;
  const { digest, size } = xxh64.text(body);
  return size <= maxSize ? `"${size.toString(16)}-${digest}"` : undefined;
}

/** A parsed entity tag. */
export interface EntityTag {
  weak: boolean;
  /** The opaque tag including its double quotes, e.g. `"abc"`. */
  opaque: string;
}

/** Weak comparison (§8.8.3.2): the opaque tags are equal, either or both may be weak. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** Strong comparison (§8.8.3.2): neither is weak and the opaque tags are equal. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Parses one entity tag (`"x"`, `W/"x"`); `undefined` when it is not one. */
export function parseEntityTag(value: string): EntityTag | undefined {
  const tags = parseEntityTags(value);
  return tags !== '*' && tags.length === 1 ? tags[0] : undefined;
}

/**
 * Parses an `If-Match`/`If-None-Match` value: `'*'` when the field is exactly `*`, else the valid
 * entity tags of the comma-separated list (commas inside quotes are part of the tag). Members that
 * are not entity tags (unquoted words, a `*` inside a list) are skipped: they match nothing.
 */
export function parseEntityTags(value: string): '*' | EntityTag[] {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < trimmed.length) {
    let end = i;
    let weak = false;
    if (trimmed.startsWith('W/"', i)) {
      weak = true;
      end = i + 2;
    }
    if (trimmed[end] === '"') {
      const close = trimmed.indexOf('"', end + 1);
      if (close !== -1 && isMemberEnd(trimmed, close + 1)) {
        const opaque = trimmed.slice(end, close + 1);
        if (isOpaqueTag(opaque)) tags.push({ weak, opaque });
        i = skipSeparator(trimmed, close + 1);
        continue;
      }
    }
    // Not an entity tag: skip the member up to the next comma.
    const comma = trimmed.indexOf(',', i);
    if (comma === -1) break;
    i = skipSeparator(trimmed, comma);
  }
  return tags;
}

/** etagc = %x21 / %x23-7E / obs-text */
const OPAQUE_TAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/;

function isOpaqueTag(opaque: string): boolean {
  return OPAQUE_TAG.test(opaque);
}

/** After a tag only optional whitespace and a comma (or the end) may follow. */
function isMemberEnd(text: string, index: number): boolean {
  let i = index;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i === text.length || text[i] === ',';
}

function skipSeparator(text: string, index: number): number {
  let i = index;
  while (text[i] === ' ' || text[i] === '\t' || text[i] === ',') i++;
  return i;
}

/** A validator as an entity tag: kept when it is one (`"v7"`, `W/"v7"`), quoted when bare (`v7`). */
export function toEntityTag(value: string): string | undefined {
  const trimmed = value.trim();
  if (parseEntityTag(trimmed) !== undefined) return trimmed;
  return /^[\x21\x23-\x7e]+$/.test(trimmed) ? `"${trimmed}"` : undefined;
}
