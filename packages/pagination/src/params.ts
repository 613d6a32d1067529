import { invalidParameter, quote } from './problems.js';

/** One `key=value` pair of a query string: decoded key and value, and the raw segment as sent. */
export interface QueryParam {
  readonly key: string;
  readonly value: string;
  readonly raw: string;
}

/**
 * Splits the query string of `url` into its pairs, in order, keeping repeated keys and the raw
 * segments. Keys and values are decoded like `URLSearchParams` (`+` is a space; a malformed
 * `%` escape is kept as it is instead of throwing). Independent of Express's query parser, so
 * Express 4 (`qs`), Express 5 (simple) and custom parsers all read the same thing.
 */
export function parseQueryString(url: string): QueryParam[] {
  const start = url.indexOf('?');
  if (start === -1) return [];
  const end = url.indexOf('#', start);
  const search = url.slice(start + 1, end === -1 ? undefined : end);
  const params: QueryParam[] = [];
  for (const raw of search.split('&')) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    params.push({
      key: decode(eq === -1 ? raw : raw.slice(0, eq)),
      value: eq === -1 ? '' : decode(raw.slice(eq + 1)),
      raw,
    });
  }
  return params;
}

function decode(text: string): string {
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * The single value of parameter `name`, or `undefined` when it is absent. A repeated parameter
 * (`?page=1&page=2`) or a bracketed form that `qs` would turn into an array or object
 * (`?page[]=1`, `?page[a]=1`) is a 400 `single-value` problem.
 */
export function readSingle(params: readonly QueryParam[], name: string): string | undefined {
  let found: string | undefined;
  for (const param of params) {
    if (param.key === name) {
      if (found !== undefined) {
        throw invalidParameter(name, 'single-value', `"${name}" must be given at most once`);
      }
      found = param.value;
    } else if (param.key.startsWith(`${name}[`)) {
      throw invalidParameter(name, 'single-value', `"${name}" must be a single value, not an array or object`);
    }
  }
  return found;
}

const SIGNED_DIGITS = /^-?[0-9]+$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a canonical decimal integer within `[minimum, maximum]`. Only plain digits are accepted:
 * no sign, no leading zeros (so `01` and `1` never become two cache keys for one page), no
 * exponent, hex, fraction or whitespace. A negative number or one out of range fails `minimum` /
 * `maximum`; everything else that is not canonical fails `integer`.
 */
export function parseInteger(name: string, value: string, minimum: number, maximum: number): number {
  const canonical = SIGNED_DIGITS.test(value) && !/^-?0[0-9]/.test(value) && value !== '-0';
  if (!canonical) {
    throw invalidParameter(
      name,
      'integer',
      `"${name}" must be a decimal integer without sign, leading zeros, exponent or spaces, got ${quote(value)}`,
    );
  }
  if (value.startsWith('-') || Number(value) < minimum) {
    throw invalidParameter(name, 'minimum', `"${name}" must be at least ${minimum}, got ${quote(value)}`, { minimum });
  }
  if (value.length > 20 || BigInt(value) > MAX_SAFE || Number(value) > maximum) {
    const bound = Math.min(maximum, Number.MAX_SAFE_INTEGER);
    throw invalidParameter(name, 'maximum', `"${name}" must be at most ${bound}, got ${quote(value)}`, {
      maximum: bound,
    });
  }
  return Number(value);
}
