/** A product as the API sends it. Prices are integer cents. */
export interface Product {
  id: number;
  name: string;
  category: string;
  price: number;
  stock: number;
  description: string;
  created_at: string;
  updated_at: string;
}

/** A category with the number of products in it. */
export interface Category {
  slug: string;
  name: string;
  product_count: number;
}

/** The writable members of a product (what `POST` requires and `PATCH` may change). */
export interface ProductInput {
  name: string;
  category: string;
  price: number;
  stock: number;
  description: string;
}

/** The filters of `GET /products`, already validated. */
export interface ProductFilter {
  category?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
}

/** One keyset page request, in the shape `req.pagination` (cursor mode) provides. */
export interface KeysetPage {
  /** The keyset condition (`undefined` on the first page) and its values. */
  where: { sql: string; params: readonly unknown[] } | undefined;
  /** `"price" DESC, "id" DESC` */
  orderBy: string;
  /** Rows to fetch: the page size plus one, which tells whether there is a next page. */
  fetch: number;
}
