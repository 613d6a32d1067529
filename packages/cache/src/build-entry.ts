/** Pure: turns a captured handler response into a cache entry, or says why it cannot be stored. */
import type { OutgoingHttpHeaders } from 'node:http';
import { formatCacheControl, type Lifetime, parseCacheControl, sharedLifetime } from './cache-control.js';
import type { Captured } from './capture.js';
import { parseHttpDate } from './conditional.js';
import type { CacheEntry, StoredHeaders } from './entry.js';
import { strongEtag } from './hash.js';
import { parseVary } from './key.js';
import { ownBytes } from './own-bytes.js';
import { type BypassReason, responseNotStorable, type StorePolicy, UNSTORED_HEADERS } from './storable.js';

export interface EntryPolicy extends StorePolicy {
  readonly lifetime: Lifetime;
  /** `max-age` of the generated `Cache-Control`, or `undefined` to generate none. */
  readonly maxAge: number | undefined;
}

export type Built =
  | {
      readonly entry: CacheEntry;
      /** Request header names the entry varies on (besides `Accept-Encoding` handled by variants). */
      readonly vary: readonly string[];
    }
  | { readonly reason: BypassReason };

function headerValue(value: OutgoingHttpHeaders[string]): string | string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String) : String(value);
}

/**
 * Builds the entry for `captured`. `before` are the headers set before the cache ran (by earlier
 * middleware): they are set again on every request, so unchanged ones are not stored.
 */
export function buildEntry(
  captured: Captured,
  before: OutgoingHttpHeaders,
  tags: readonly string[],
  policy: EntryPolicy,
  now: number,
): Built {
  const directives = parseCacheControl(headerValue(captured.headers['cache-control']));
  const expires = headerValue(captured.headers.expires);
  const expiresAt = typeof expires === 'string' ? parseHttpDate(expires) : undefined;
  // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
  const expiresIn = expires === undefined ? undefined : Math.max(0, (expiresAt ?? 0) - now);
  const lifetime = sharedLifetime(directives, policy.lifetime, expiresIn);
  const varyAll = parseVary(headerValue(captured.headers.vary));
  const contentType = headerValue(captured.headers['content-type']);
  const reason = responseNotStorable(
    {
      status: captured.status,
      directives,
      setCookie: captured.headers['set-cookie'] !== undefined,
      vary: varyAll,
      contentType: typeof contentType === 'string' ? contentType : undefined,
      bodyBytes: captured.body.length,
      ttl: lifetime.ttl,
    },
    policy,
  );
  if (reason) return { reason };

  const headers: StoredHeaders = {};
  for (const [name, raw] of Object.entries(captured.headers)) {
    const value = headerValue(raw);
    if (value === undefined || UNSTORED_HEADERS.has(name)) continue;
    if (JSON.stringify(headerValue(before[name])) === JSON.stringify(value)) continue;
    headers[name] = value;
  }
  const handlerEtag = typeof headers.etag === 'string' && !headers.etag.startsWith('W/') ? headers.etag : undefined;
  const etag = handlerEtag ?? strongEtag(captured.body);
  headers.etag = etag;
  if (headers['cache-control'] === undefined && policy.maxAge !== undefined) {
    headers['cache-control'] = formatCacheControl(policy.maxAge, lifetime);
  }
  const encoded = headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
  const vary = varyAll.filter((name) => encoded || name !== 'accept-encoding');
  return {
    entry: { status: captured.status, headers, body: ownBytes(captured.body), etag, storedAt: now, ...lifetime, tags },
    vary,
  };
}

/** The pointer entry stored at the base key of a response that varies on `vary`. */
export function pointerEntry(entry: CacheEntry, vary: readonly string[]): CacheEntry {
  return { ...entry, status: 0, headers: {}, body: Buffer.alloc(0), etag: '', vary };
}
