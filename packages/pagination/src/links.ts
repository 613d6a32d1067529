import type { QueryParam } from './params.js';

/** The relations `res.paginate` emits, in the order they appear in the `Link` header. */
export const LINK_RELATIONS = ['first', 'prev', 'next', 'last'] as const;
export type LinkRelation = (typeof LINK_RELATIONS)[number];

/**
 * The URL of `path` with the caller's own query parameters kept byte for byte and in their order
 * (repeated ones included), the pagination parameters in `owned` dropped, then `ours` appended.
 */
export function pageUrl(
  origin: string,
  path: string,
  params: readonly QueryParam[],
  owned: ReadonlySet<string>,
  ours: ReadonlyArray<readonly [string, string]>,
): string {
  return pageUrlFrom(keptQuery(params, owned), origin, path, ours);
}

/**
 * The caller's own query parameters (those not in `owned`) as raw `&`-joined segments, in order,
 * made safe for a URI reference (see {@link uriSafe}). Computed once per page, shared by its links.
 */
export function keptQuery(params: readonly QueryParam[], owned: ReadonlySet<string>): string {
  return params
    .filter((param) => !owned.has(param.key) && !isBracketed(param.key, owned))
    .map((param) => uriSafe(param.raw))
    .join('&');
}

/** The URL of a page from the kept query of {@link keptQuery}, with `ours` appended. */
export function pageUrlFrom(
  kept: string,
  origin: string,
  path: string,
  ours: ReadonlyArray<readonly [string, string]>,
): string {
  const added = ours.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
  const query = kept === '' ? added : added === '' ? kept : `${kept}&${added}`;
  return `${origin}${uriSafe(path)}${query === '' ? '' : `?${query}`}`;
}

/** Characters RFC 3986 allows in a URI (unreserved, reserved and `%`); everything else is escaped. */
const URI_UNSAFE = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})/gu;

/**
 * `text` with every character a URI may not contain percent-encoded (a `%` that does not start an
 * escape included), and nothing else changed. Request targets can carry `<`, `>`, `"`, `{`, `|` or
 * spaces that Node accepts; copied into `<…>` of a `Link` header, a `>` would end the URI early and
 * let the client inject relations (`?q=a>; rel="evil"`).
 */
export function uriSafe(text: string): string {
  return text.replace(URI_UNSAFE, (char) => (char === '%' ? '%25' : escapeChar(char)));
}

function escapeChar(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: U+FFFD
  }
}

function isBracketed(key: string, owned: ReadonlySet<string>): boolean {
  const bracket = key.indexOf('[');
  return bracket > 0 && owned.has(key.slice(0, bracket));
}

/**
 * An RFC 8288 `Link` field value: `<url>; rel="first", <url>; rel="next"`, relations in the
 * order first, prev, next, last; absent (`null`/`undefined`) relations are left out.
 */
export function formatLinkHeader(links: Readonly<Partial<Record<LinkRelation, string | null>>>): string {
  return LINK_RELATIONS.flatMap((rel) => {
    const href = links[rel];
    return typeof href === 'string' ? [`<${href}>; rel="${rel}"`] : [];
  }).join(', ');
}

/**
 * Adds `names` to a comma-separated header value (such as `Access-Control-Expose-Headers`),
 * keeping what is there and skipping names already listed (case-insensitively) or covered by `*`.
 */
export function appendToList(
  current: string | number | readonly string[] | undefined,
  names: readonly string[],
): string {
  const existing = (Array.isArray(current) ? current.join(',') : current === undefined ? '' : String(current))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const lower = new Set(existing.map((name) => name.toLowerCase()));
  if (lower.has('*')) return existing.join(', ');
  return [...existing, ...names.filter((name) => !lower.has(name.toLowerCase()))].join(', ');
}

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * The origin (`https://api.example.com`) links are built on, from the request: `protocol` as
 * Express computed it (honouring `trust proxy`), the host from `X-Forwarded-Host` when the proxy
 * is trusted, else `Host`. A host that is not a plain host[:port] yields `''` (relative links)
 * rather than echoing something odd into a header.
 */
export function requestOrigin(protocol: string, host: string | undefined): string {
  if (host === undefined || !HOST.test(host) || !/^https?$/.test(protocol)) return '';
  return `${protocol}://${host.toLowerCase()}`;
}
