import { describe, expect, it } from 'vitest';
import type { PaginateOptions } from './options.js';
import { paginate } from './paginate.js';

describe('paginate options', () => {
  it.each([
    [{ defaultLimit: 0 }, 'paginate: "defaultLimit" must be a positive integer, got 0'],
    [{ maxLimit: -1 }, 'paginate: "maxLimit" must be a positive integer, got -1'],
    [{ defaultLimit: 50, maxLimit: 10 }, 'paginate: "defaultLimit" must be at most "maxLimit" (10), got 50'],
    [{ maxLimit: 1.5 }, 'paginate: "maxLimit" must be a positive integer, got 1.5'],
    [{ mode: 'page' }, 'paginate: "mode" must be one of "offset", "cursor", got "page"'],
    [{ overMax: 'ignore' }, 'paginate: "overMax" must be one of "reject", "clamp", got "ignore"'],
    [{ maxOffset: -1 }, 'paginate: "maxOffset" must be a non-negative integer or Infinity, got -1'],
    [{ mode: 'cursor' }, 'paginate: "secret" must be a string, a Uint8Array or a list of them, got undefined'],
    [{ mode: 'cursor', secret: 'short' }, 'paginate: "secret" keys must be at least 16 bytes long, got 5'],
    [{ tiebreaker: 'id; --' }, 'paginate: "tiebreaker" must be an identifier such as "id", got "id; --"'],
    [{ sort: ['a', 'a'] }, 'paginate: "sort" lists "a" twice'],
    [{ cursorTtl: 0 }, 'paginate: "cursorTtl" must be a positive duration, got 0'],
    [{ envelope: 'xml' }, 'paginate: "envelope" must be "object", "array" or a function, got "xml"'],
    [
      { origin: 'ftp://x' },
      'paginate: "origin" must be an http(s) origin such as "https://api.example.com", got "ftp://x"',
    ],
    [{ bind: 'status' }, 'paginate: "bind" must be a list of query parameter names or a function, got "status"'],
    [
      { params: { perPage: 'a b' } },
      'paginate: "params.perPage" must be a non-empty name without &, =, #, +, % or spaces, got "a b"',
    ],
    [{ params: { perPage: 'limit' } }, 'paginate: "params.limit" must be different from "params.perPage", got "limit"'],
    [
      { params: { size: 'x' } },
      'paginate: "params.size" must be one of page, perPage, offset, limit, cursor, before, got "size"',
    ],
  ])('%j throws a TypeError naming the option', (options, message) => {
    expect(() => paginate(options as PaginateOptions)).toThrow(new TypeError(message));
  });

  it('does not mutate the options object', () => {
    const options = Object.freeze({ maxLimit: 50, sort: Object.freeze(['-created_at']) });
    expect(() => paginate(options)).not.toThrow();
    expect(options).toEqual({ maxLimit: 50, sort: ['-created_at'] });
  });
});
