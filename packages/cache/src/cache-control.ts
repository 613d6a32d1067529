/** Pure parsing of `Cache-Control` (RFC 9111 §5.2) and the freshness policy of a stored response. */

/** Directive name (lower case) → argument (`true` for directives without one). */
export type Directives = ReadonlyMap<string, string | true>;

/** Parses a `Cache-Control` header value; quoted arguments are unquoted. */
export function parseCacheControl(value: string | number | readonly string[] | undefined): Directives {
  const directives = new Map<string, string | true>();
  if (value === undefined) return directives;
  const joined = Array.isArray(value) ? value.join(',') : String(value);
  const pattern = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?/g;
  for (const item of joined.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    pattern.lastIndex = 0;
    const match = pattern.exec(item.trim());
    if (!match?.[1]) continue;
    const name = match[1].toLowerCase();
    if (directives.has(name)) continue;
    const argument = match[2];
    directives.set(
      name,
      argument === undefined
        ? true
        : argument.startsWith('"')
          ? argument.slice(1, -1).replace(/\\(.)/g, '$1')
          : argument,
    );
  }
  return directives;
}

/** A delta-seconds argument in milliseconds, or `undefined` when absent or malformed. */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), 2_147_483_647) * 1000;
}

/** How long a stored response is fresh and how long it may be served stale. */
export interface Lifetime {
  /** Fresh lifetime in ms. */
  readonly ttl: number;
  /** RFC 5861 `stale-while-revalidate` window after `ttl`, in ms. */
  readonly swr: number;
  /** RFC 5861 `stale-if-error` window after `ttl`, in ms. */
  readonly sie: number;
}

/**
 * The lifetime of a response for a shared cache: the handler's own `s-maxage`, else its `max-age`,
 * else what its `Expires` leaves (`expiresIn`, ms), else `defaults.ttl`; `stale-while-revalidate` /
 * `stale-if-error` from the response, else the defaults, and none with `must-revalidate`.
 */
export function sharedLifetime(directives: Directives, defaults: Lifetime, expiresIn?: number): Lifetime {
  // RFC 9111 §5.2.2.2/§5.2.2.8: must-revalidate / proxy-revalidate forbid serving stale.
  const noStale = directives.has('must-revalidate') || directives.has('proxy-revalidate');
  return {
    ttl: deltaSeconds(directives, 's-maxage') ?? deltaSeconds(directives, 'max-age') ?? expiresIn ?? defaults.ttl,
    swr: noStale ? 0 : (deltaSeconds(directives, 'stale-while-revalidate') ?? defaults.swr),
    sie: noStale ? 0 : (deltaSeconds(directives, 'stale-if-error') ?? defaults.sie),
  };
}

/** The `Cache-Control` value the cache sets when the handler set none. */
export function formatCacheControl(maxAge: number, lifetime: Lifetime): string {
  const parts = ['public', `max-age=${Math.floor(maxAge / 1000)}`];
  if (lifetime.ttl !== maxAge) parts.push(`s-maxage=${Math.floor(lifetime.ttl / 1000)}`);
  if (lifetime.swr > 0) parts.push(`stale-while-revalidate=${Math.floor(lifetime.swr / 1000)}`);
  if (lifetime.sie > 0) parts.push(`stale-if-error=${Math.floor(lifetime.sie / 1000)}`);
  return parts.join(', ');
}
