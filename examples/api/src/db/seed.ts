import { mulberry32 } from '../random.js';
import { type Database, transaction } from './sqlite.js';

/** How much to seed. The defaults are what the app starts with. */
export interface SeedOptions {
  /** Number of products. @default 12000 */
  products?: number;
  /** PRNG seed: the same seed always gives the same catalog. @default 20261124 */
  seed?: number;
}

export const CATEGORIES: readonly (readonly [slug: string, name: string])[] = [
  ['audio', 'Audio'],
  ['bags', 'Bags'],
  ['bath', 'Bath'],
  ['bikes', 'Bikes'],
  ['books', 'Books'],
  ['cameras', 'Cameras'],
  ['camping', 'Camping'],
  ['coffee', 'Coffee'],
  ['desk', 'Desk'],
  ['fitness', 'Fitness'],
  ['games', 'Games'],
  ['garden', 'Garden'],
  ['kitchen', 'Kitchen'],
  ['lighting', 'Lighting'],
  ['music', 'Music'],
  ['office', 'Office'],
  ['outdoor', 'Outdoor'],
  ['pets', 'Pets'],
  ['phones', 'Phones'],
  ['shoes', 'Shoes'],
  ['sleep', 'Sleep'],
  ['storage', 'Storage'],
  ['tools', 'Tools'],
  ['toys', 'Toys'],
];

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Everyday', 'Light', 'Modern', 'Rugged', 'Smart', 'Soft', 'Sturdy'];
const MATERIALS = ['Bamboo', 'Canvas', 'Ceramic', 'Cotton', 'Leather', 'Linen', 'Oak', 'Recycled', 'Steel', 'Wool'];
const NOUNS = ['Basket', 'Bottle', 'Box', 'Case', 'Kit', 'Lamp', 'Mat', 'Set', 'Stand', 'Tray'];

/**
 * A handful of price points (in cents) shared by many products, as in a real shop: sorting by
 * price then has long runs of equal values, which is exactly where a keyset without the `id`
 * tiebreaker would skip or repeat rows.
 */
const PRICE_POINTS = [499, 999, 1499, 1999, 2499, 2999, 3999, 4999, 7499, 9999, 14999, 19999, 29999, 49999];

/** Products were created over the two years before this instant (fixed: the seed must not depend on the clock). */
const SEED_END = Date.UTC(2026, 0, 1);
const TWO_YEARS_MS = 2 * 365 * 24 * 60 * 60 * 1000;

/** Fills an empty catalog with categories and products, deterministically. */
export function seedCatalog(db: Database, options: SeedOptions = {}): void {
  const count = options.products ?? 12_000;
  const random = mulberry32(options.seed ?? 20_261_124);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

  transaction(db, () => {
    const category = db.prepare('INSERT INTO categories (slug, name) VALUES (?, ?)');
    for (const [slug, name] of CATEGORIES) category.run([slug, name]);
    category.free();

    const product = db.prepare(
      `INSERT INTO products (name, category, price, stock, description, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < count; i++) {
      const [slug, categoryName] = pick(CATEGORIES);
      const name = `${pick(ADJECTIVES)} ${pick(MATERIALS)} ${pick(NOUNS)}`;
      // Whole minutes, so that some products share a creation time too.
      const minutesAgo = Math.floor((random() * TWO_YEARS_MS) / 60_000);
      const createdAt = new Date(SEED_END - minutesAgo * 60_000).toISOString();
      product.run([
        name,
        slug,
        pick(PRICE_POINTS),
        Math.floor(random() * 500),
        `${name} from our ${categoryName.toLowerCase()} range.`,
        createdAt,
        createdAt,
      ]);
    }
    product.free();
  });
}
