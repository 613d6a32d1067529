/**
 * The data every scenario serves, identical in every server process: the same 20 products on
 * `GET /products` (about 3 KB of JSON), and 1,000 products for pagination and the micro-benchmark.
 */
export interface Product {
  id: number;
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  inStock: boolean;
  tags: string[];
  dimensions: { width: number; height: number; depth: number };
  supplier: { id: number; name: string; country: string };
}

function product(i: number): Product {
  return {
    id: i,
    sku: `SKU-${String(i).padStart(6, '0')}`,
    name: `Product ${i}`,
    description: `A dependable product number ${i} for the catalog benchmark.`,
    price: Math.round((10 + ((i * 37) % 990) + (i % 100) / 100) * 100) / 100,
    currency: 'EUR',
    inStock: i % 3 !== 0,
    tags: ['bench', `group-${i % 7}`],
    dimensions: { width: 10 + (i % 5), height: 20 + (i % 9), depth: 5 + (i % 4) },
    supplier: { id: 1 + (i % 13), name: `Supplier ${1 + (i % 13)}`, country: 'NL' },
  };
}

/** 1,000 products (ids 1–1000). */
export const CATALOG: readonly Product[] = Array.from({ length: 1000 }, (_, i) => product(i + 1));

/** The body of `GET /products` in every scenario except pagination and the full stack. */
export const PAYLOAD: readonly Product[] = CATALOG.slice(0, 20);

/** The route every scenario serves. */
export const ROUTE = '/products';

/** The field selection of the fields scenario (json-mask syntax, which both contenders accept). */
export const FIELDS_MASK = 'id,name,price,supplier(name)';

/** Burns about `ms` of CPU: the "expensive handler" of the cache scenario (rendering, a slow query driver). */
export function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}
