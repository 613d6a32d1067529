import type { ProblemError } from '@expresskit/core';
import { forParameter, maskError } from './problems.js';

const INDEX = /^(?:0|[1-9]\d{0,8})$/;

/**
 * The values of query parameter `name` as a list of strings, or `null` when it is absent. Handles
 * both Express query parsers: Express 5's `simple` parser (`?f=a&f=b` → `['a', 'b']`) and
 * Express 4's `qs` (`?f[]=a`, `?f[0]=a&f[1]=b`, and the object `qs` makes of indexed values past
 * its `arrayLimit`). Anything else (`?f[x]=a`, nested values) is a 400 with `rule: 'type'`.
 */
export function readParam(query: unknown, name: string): readonly string[] | null {
  if (query === null || typeof query !== 'object' || !Object.hasOwn(query, name)) return null;
  const value: unknown = (query as Record<string, unknown>)[name];
  if (value === undefined) return null;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([key, item]) => INDEX.test(key) && typeof item === 'string')) {
      return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, item]) => item as string);
    }
  }
  throw typeError(name);
}

function typeError(name: string): ProblemError {
  return forParameter(
    maskError('type', 0, 'expected a string or repeated strings (e.g. "?fields=a,b" or "?fields=a&fields=b")'),
    name,
    0,
    1,
  );
}
