/** Pure cache-key building: method + path + canonical query (+ the request values of `Vary`). */

/** Which query parameters take part in the key. `allow` wins over `deny` when both are given. */
export interface QueryKeyPolicy {
  /** Only these parameters are part of the key (others are ignored). */
  readonly allow?: ReadonlySet<string> | undefined;
  /** These parameters are ignored (e.g. `utm_source`). */
  readonly deny?: ReadonlySet<string> | undefined;
}

/**
 * The canonical form of a raw query string (without `?`): parameters sorted by name (a stable sort,
 * so repeated names keep their order), filtered by `policy`, each name and value re-encoded the same
 * way, so `?b=2&a=1` and `?a=%31&b=2` give the same key.
 */
export function canonicalQuery(search: string, policy: QueryKeyPolicy = {}): string {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of new URLSearchParams(raw)) {
    if (policy.allow ? !policy.allow.has(name) : policy.deny?.has(name)) continue;
    pairs.push([name, value]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
}

/** Splits a request URL (`/p?q`) into its path and raw query. */
export function splitUrl(url: string): { path: string; search: string } {
  const hash = url.indexOf('#');
  const clean = hash === -1 ? url : url.slice(0, hash);
  const mark = clean.indexOf('?');
  return mark === -1 ? { path: clean, search: '' } : { path: clean.slice(0, mark), search: clean.slice(mark + 1) };
}

/**
 * The base key of a request: `GET /products?a=1&b=2`, followed by ` <origin>` when `origin` is
 * given (`GET /products?a=1 https://shop.example`). The origin comes last so that a path prefix
 * (`GET /products`) still selects every host's entries. HEAD shares the GET key.
 */
export function baseKey(method: string, url: string, policy: QueryKeyPolicy = {}, origin?: string): string {
  const { path, search } = splitUrl(url);
  const query = canonicalQuery(search, policy);
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const target = `${verb} ${path}${query === '' ? '' : `?${query}`}`;
  return origin === undefined ? target : `${target} ${origin}`;
}

/** How many URLs `RequestKeys` remembers before it starts over. */
const REMEMBERED_URLS = 1000;

/**
 * `baseKey` of GET/HEAD requests for one query policy, remembered: the canonical target per URL
 * (bounded), and the last target + origin joined.
 */
export class RequestKeys {
  readonly #policy: QueryKeyPolicy;
  readonly #targets = new Map<string, string>();
  #lastTarget = '';
  #lastOrigin: string | undefined;
  #lastKey = '';

  constructor(policy: QueryKeyPolicy) {
    this.#policy = policy;
  }

  /** `baseKey('GET', url, policy)`. */
  target(url: string): string {
    let target = this.#targets.get(url);
    if (target === undefined) {
      if (this.#targets.size >= REMEMBERED_URLS) this.#targets.clear();
      target = baseKey('GET', url, this.#policy);
      this.#targets.set(url, target);
    }
    return target;
  }

  /** `baseKey('GET', url, policy, origin)`. */
  key(url: string, origin: string | undefined): string {
    const target = this.target(url);
    if (origin === undefined) return target;
    if (target !== this.#lastTarget || origin !== this.#lastOrigin) {
      this.#lastTarget = target;
      this.#lastOrigin = origin;
      this.#lastKey = `${target} ${origin}`;
    }
    return this.#lastKey;
  }
}

/**
 * The effective origin of a request for the key: `protocol://hostname`, lower-cased. Bytes outside
 * host syntax are percent-encoded, so the key never holds a space.
 */
export function keyOrigin(protocol: string, host: string | undefined): string {
  const clean = (host ?? '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.:[\]_-]/g, (char) => encodeURIComponent(char));
  return `${protocol}://${clean}`;
}

/** A default key without origin (`GET /products?a=1`): what `invalidate({ keys })` is given. */
export const HOSTLESS_KEY = /^[A-Z]+ \/\S*$/;

/** The implicit tag of every entry stored under the host-less key `key`, for any origin. */
export function keyTag(key: string): string {
  return `key:${key}`;
}

/** The field names of a `Vary` header value, lower-cased and de-duplicated, in order. */
export function parseVary(value: string | number | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : String(value);
  const names: string[] = [];
  for (const part of joined.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** Normalises one request header value for the key: list items trimmed, whitespace collapsed. */
function normaliseHeader(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  const joined = typeof value === 'string' ? value : value.join(', ');
  return joined
    .split(',')
    .map((item) => item.trim().replace(/\s+/g, ' '))
    .join(',');
}

/**
 * The key of a variant of `base` selected by the request values of `vary` (sorted names, so
 * `Vary: A, B` and `Vary: B, A` select the same variant).
 */
export function variantKey(
  base: string,
  vary: readonly string[],
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): string {
  if (vary.length === 0) return base;
  const parts = [...vary].sort().map((name) => `${name}=${JSON.stringify(normaliseHeader(headers[name]))}`);
  return `${base}#${parts.join(';')}`;
}
