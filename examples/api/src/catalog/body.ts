import { invalidParameter } from './problems.js';
import { MAX_PRICE } from './query.js';
import type { ProductInput } from './types.js';

/** What each writable member accepts. */
const LIMITS = {
  name: { minLength: 1, maxLength: 200 },
  description: { maxLength: 2000 },
  price: { maximum: MAX_PRICE },
  stock: { maximum: 1_000_000 },
} as const;

const WRITABLE = ['name', 'category', 'price', 'stock', 'description'] as const;
const READ_ONLY = ['id', 'created_at', 'updated_at'];

/**
 * Validates the body of `POST /products`: `name`, `category` and `price` are required, `stock`
 * defaults to 0 and `description` to `''`. `hasCategory` checks that the category exists.
 */
export function parseNewProduct(body: unknown, hasCategory: (slug: string) => boolean): ProductInput {
  const changes = parseMembers(body, hasCategory);
  for (const name of ['name', 'category', 'price'] as const) {
    if (changes[name] === undefined) {
      throw invalidParameter('body', name, 'required', `"${name}" is required`);
    }
  }
  return {
    name: changes.name as string,
    category: changes.category as string,
    price: changes.price as number,
    stock: changes.stock ?? 0,
    description: changes.description ?? '',
  };
}

/**
 * Validates the body of `PATCH /products/:id` (JSON Merge Patch, RFC 7396, over the writable
 * members): at least one member; `null` is refused because no member may be removed.
 */
export function parseProductChanges(body: unknown, hasCategory: (slug: string) => boolean): Partial<ProductInput> {
  const changes = parseMembers(body, hasCategory);
  if (Object.keys(changes).length === 0) {
    throw invalidParameter('body', '', 'min-members', `The patch must change at least one of ${WRITABLE.join(', ')}`);
  }
  return changes;
}

function parseMembers(body: unknown, hasCategory: (slug: string) => boolean): Partial<ProductInput> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidParameter('body', '', 'type', 'The request body must be a JSON object');
  }
  const changes: Partial<ProductInput> = {};
  for (const [member, value] of Object.entries(body)) {
    switch (member) {
      case 'name':
        changes.name = text(member, value, LIMITS.name.minLength, LIMITS.name.maxLength);
        break;
      case 'description':
        changes.description = text(member, value, 0, LIMITS.description.maxLength);
        break;
      case 'price':
        changes.price = count(member, value, LIMITS.price.maximum);
        break;
      case 'stock':
        changes.stock = count(member, value, LIMITS.stock.maximum);
        break;
      case 'category': {
        const slug = text(member, value, 1, 64);
        if (!hasCategory(slug)) {
          throw invalidParameter('body', member, 'exists', `"category" must be an existing category, got "${slug}"`);
        }
        changes.category = slug;
        break;
      }
      default:
        throw READ_ONLY.includes(member)
          ? invalidParameter('body', member, 'read-only', `"${member}" is set by the server and cannot be written`)
          : invalidParameter('body', member, 'unknown-field', `Unknown member "${member}"`, { allowed: WRITABLE });
    }
  }
  return changes;
}

function text(member: string, value: unknown, minLength: number, maxLength: number): string {
  if (typeof value !== 'string') {
    throw invalidParameter('body', member, 'type', `"${member}" must be a string`);
  }
  const trimmed = value.trim();
  if (trimmed.length < minLength) {
    throw invalidParameter('body', member, 'min-length', `"${member}" must not be empty`, { minLength });
  }
  if (trimmed.length > maxLength) {
    throw invalidParameter('body', member, 'max-length', `"${member}" must be at most ${maxLength} characters`, {
      maxLength,
    });
  }
  return trimmed;
}

function count(member: string, value: unknown, maximum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidParameter('body', member, 'integer', `"${member}" must be an integer, got ${JSON.stringify(value)}`);
  }
  if (value < 0) {
    throw invalidParameter('body', member, 'minimum', `"${member}" must be at least 0, got ${value}`, { minimum: 0 });
  }
  if (value > maximum) {
    throw invalidParameter('body', member, 'maximum', `"${member}" must be at most ${maximum}, got ${value}`, {
      maximum,
    });
  }
  return value;
}
