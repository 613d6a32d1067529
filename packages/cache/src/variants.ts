/** Compressed variants of a stored entry (br, gzip), created lazily once per entry and encoding. */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { CacheEntry } from './entry.js';
import { ownBytes } from './own-bytes.js';

export type Encoding = 'br' | 'gzip';

export interface Variant {
  readonly encoding: Encoding | 'identity';
  readonly body: Buffer;
  readonly etag: string;
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Media types worth compressing (what `compressible` says yes to, in short). */
const COMPRESSIBLE =
  /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|x-javascript|ecmascript|graphql|x-www-form-urlencoded)\b|image\/svg\+xml)/i;

export function isCompressible(contentType: string | undefined): boolean {
  return contentType !== undefined && COMPRESSIBLE.test(contentType);
}

/**
 * The encoding to serve for an `Accept-Encoding` value: the acceptable one (q > 0) among `offered`
 * with the highest q, `br` before `gzip` on ties; `identity` when none is acceptable.
 */
export function negotiateEncoding(
  acceptEncoding: string | undefined,
  offered: readonly Encoding[] = ['br', 'gzip'],
): Encoding | 'identity' {
  if (acceptEncoding === undefined || acceptEncoding.trim() === '') return 'identity';
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...params] = part.trim().split(';');
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key?.trim().toLowerCase() === 'q') q = Number(value);
    }
    if (!Number.isFinite(q)) q = 0;
    if (!weights.has(name)) weights.set(name, q);
  }
  // A client that ranks `identity` above a coding (`br;q=0.5, identity`) gets identity; a coding
  // must beat identity's explicit weight to be chosen.
  let best: Encoding | 'identity' = 'identity';
  let bestQ = weights.get('identity') ?? 0;
  for (const encoding of offered) {
    const q = weights.get(encoding) ?? weights.get('*') ?? 0;
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}

/** The strong ETag of a variant: the identity ETag with the encoding appended inside the quotes. */
export function variantEtag(etag: string, encoding: Encoding): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${encoding}"` : `${etag}-${encoding}`;
}

async function compress(encoding: Encoding, body: Buffer): Promise<Buffer> {
  const compressed =
    encoding === 'br'
      ? await brotli(body, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        })
      : await gzip(body, { level: 6 });
  return ownBytes(compressed); // kept as long as the entry: not a view into a pool slab
}

const cache = new WeakMap<CacheEntry, Map<Encoding, Promise<Variant>>>();
/** The variants whose compression has finished, for the synchronous path (`readyVariant`). */
const ready = new WeakMap<CacheEntry, Map<Encoding | 'identity', Variant>>();

function readyMap(entry: CacheEntry): Map<Encoding | 'identity', Variant> {
  let variants = ready.get(entry);
  if (variants === undefined) {
    variants = new Map();
    ready.set(entry, variants);
  }
  return variants;
}

/** The identity variant of `entry` (one object per entry). */
function identityOf(entry: CacheEntry): Variant {
  const variants = readyMap(entry);
  let identity = variants.get('identity');
  if (identity === undefined) {
    identity = { encoding: 'identity', body: entry.body, etag: entry.etag };
    variants.set('identity', identity);
  }
  return identity;
}

/**
 * The `encoding` variant of `entry` when it is available without waiting: always for identity,
 * for br/gzip once `variantOf` has finished compressing it. `undefined` means "call `variantOf`".
 */
export function readyVariant(entry: CacheEntry, encoding: Encoding | 'identity'): Variant | undefined {
  return encoding === 'identity' ? identityOf(entry) : ready.get(entry)?.get(encoding);
}

/**
 * The `encoding` variant of `entry`, compressed on first use and remembered for the entry's life
 * (concurrent callers share one compression). A variant that would not be smaller is served as
 * identity.
 */
export function variantOf(entry: CacheEntry, encoding: Encoding | 'identity'): Promise<Variant> {
  const identity = identityOf(entry);
  if (encoding === 'identity') return Promise.resolve(identity);
  let variants = cache.get(entry);
  if (!variants) {
    variants = new Map();
    cache.set(entry, variants);
  }
  let variant = variants.get(encoding);
  if (!variant) {
    variant = compress(encoding, entry.body).then(
      (body): Variant => {
        const made: Variant =
          body.length < entry.body.length ? { encoding, body, etag: variantEtag(entry.etag, encoding) } : identity;
        readyMap(entry).set(encoding, made);
        return made;
      },
      (): Variant => identity,
    );
    variants.set(encoding, variant);
  }
  return variant;
}

/** Whether `entry` can have compressed variants at all. */
export function canCompress(entry: CacheEntry, threshold: number): boolean {
  if (entry.body.length < threshold) return false;
  const encoding = entry.headers['content-encoding'];
  if (encoding !== undefined && String(encoding).toLowerCase() !== 'identity') return false;
  const cacheControl = entry.headers['cache-control'];
  if (cacheControl !== undefined && /\bno-transform\b/i.test(String(cacheControl))) return false;
  const contentType = entry.headers['content-type'];
  return isCompressible(typeof contentType === 'string' ? contentType : undefined);
}
