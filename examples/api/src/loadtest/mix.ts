import type { Request } from 'autocannon';
import { CATEGORIES } from '../db/seed.js';
import { mulberry32 } from '../random.js';

/** Statuses the mix expects: 200, 304 for conditional reads, 412 when two writers race for one product. */
export const EXPECTED_STATUSES: ReadonlySet<number> = new Set([200, 304, 412]);

/** Share of request cycles (two requests each) that end with a write: 2 % of cycles = 1 % of requests. */
const WRITE_SHARE = 0.02;

/** Products the reads go to (the rest of the catalog is not read), skewed within: see `hotId`. */
const HOT_PRODUCTS = 200;
const SORTS = ['-created_at', 'price', '-price', 'name'];

interface CycleContext {
  /** The path of the first request of the cycle (autocannon does not pass it to `onResponse`). */
  path?: string;
  /** Whether this cycle ends with a write. */
  write?: boolean;
  /** The product read by the first request of the cycle, for the write that follows. */
  lastItem?: { id: number; etag: string };
}

/**
 * The read-heavy request mix of `pnpm loadtest` for autocannon: each connection loops over a
 * two-request cycle. The first is a read; the second is another read or, in 2 % of cycles, a
 * `PATCH` of the product just read, with its `If-Match`. Reads: single products (skewed towards a
 * hot set), the same as conditional requests with a known ETag (304), first pages of every
 * category × sort, field selections, and `/categories`.
 */
export interface RequestMix {
  requests: Request[];
  /** PATCH requests sent so far. */
  readonly writes: number;
}

export function requestMix(seed = 1): RequestMix {
  const random = mulberry32(seed);
  let writes = 0;
  /** ETags seen so far, shared by all connections (a client that revalidates what it read before). */
  const etags = new Map<number, string>();
  // Cubing a uniform number favours small values, a rough Zipf: ids 1–20 get ~46 % of the item
  // reads, as a shop's best sellers do.
  const hotId = (): number => 1 + Math.floor(HOT_PRODUCTS * random() ** 3);
  // Categories are skewed the same way, more gently.
  const category = (): string =>
    (CATEGORIES[Math.floor(CATEGORIES.length * random() ** 2)] as readonly [string, string])[0];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

  function itemRead(request: Request): Request {
    request.method = 'GET';
    request.headers = {};
    request.path = `/products/${hotId()}`;
    return request;
  }

  function readPath(request: Request): Request {
    const roll = random();
    request.method = 'GET';
    request.headers = {};
    if (roll < 0.35) {
      request.path = `/products/${hotId()}`;
    } else if (roll < 0.5) {
      const id = hotId();
      const etag = etags.get(id);
      request.path = `/products/${id}`;
      if (etag) request.headers = { 'if-none-match': etag };
    } else if (roll < 0.8) {
      const filter = random() < 0.2 ? '' : `category=${category()}&`;
      request.path = `/products?${filter}sort=${pick(SORTS)}`;
    } else if (roll < 0.9) {
      request.path =
        random() < 0.5 ? `/products/${hotId()}?fields=name,price` : `/products?fields=id,name,price&sort=price`;
    } else if (roll < 0.95) {
      request.path = `/products?limit=50&sort=${pick(SORTS)}`;
    } else {
      request.path = '/categories';
    }
    return request;
  }

  const first: Request = {
    method: 'GET',
    path: '/products/1',
    setupRequest: (request, context: CycleContext) => {
      // A write cycle reads the product first, as a client does to learn its ETag.
      context.write = random() < WRITE_SHARE;
      const read = context.write ? itemRead(request) : readPath(request);
      if (read.path !== undefined) context.path = read.path;
      return read;
    },
    onResponse: (status, _body, context: CycleContext, headers) => {
      // Only full representations: a `?fields=` ETag cannot be used for If-Match.
      const id = /^\/products\/(\d+)$/.exec(context.path ?? '')?.[1];
      const etag = headers?.etag;
      if (status === 200 && id !== undefined && etag) {
        etags.set(Number(id), etag);
        context.lastItem = { id: Number(id), etag };
      }
    },
  };

  const second: Request = {
    method: 'GET',
    path: '/products/1',
    setupRequest: (request, context: CycleContext) => {
      const item = context.lastItem;
      if (!context.write || !item) return readPath(request);
      writes++;
      request.method = 'PATCH';
      request.path = `/products/${item.id}`;
      request.headers = { 'content-type': 'application/json', 'if-match': item.etag };
      request.body = JSON.stringify({ stock: Math.floor(random() * 500) });
      return request;
    },
  };

  return {
    requests: [first, second],
    get writes() {
      return writes;
    },
  };
}

/**
 * Every URL the reads of the mix can ask for. The load test requests each once before measuring,
 * so the figures describe the cache in its steady state rather than a cold start (a cold cache
 * misses once per URL; at a few hundred requests per second on a busy machine that would dominate
 * a 10 s run).
 */
export function readPaths(): string[] {
  const paths = ['/categories', '/products?fields=id,name,price&sort=price'];
  for (let id = 1; id <= HOT_PRODUCTS; id++) paths.push(`/products/${id}`, `/products/${id}?fields=name,price`);
  for (const sort of SORTS) {
    paths.push(`/products?sort=${sort}`, `/products?limit=50&sort=${sort}`);
    for (const [slug] of CATEGORIES) paths.push(`/products?category=${slug}&sort=${sort}`);
  }
  return paths;
}
