import { describe, expect, it } from 'vitest';
import { keysetSql, keyValues, normaliseSort, orderBySql, reverseSort } from './keyset.js';

describe('normaliseSort', () => {
  it('parses "-key" as descending and appends the tiebreaker in the direction of the last key', () => {
    expect(normaliseSort(['-created_at'], 'id', 'test')).toEqual([
      { key: 'created_at', direction: 'desc', column: 'created_at' },
      { key: 'id', direction: 'desc', column: 'id' },
    ]);
    expect(normaliseSort([], 'id', 'test')).toEqual([{ key: 'id', direction: 'asc', column: 'id' }]);
    expect(normaliseSort([{ key: 'createdAt', column: 'p.created_at' }, 'id'], 'id', 'test')).toEqual([
      { key: 'createdAt', direction: 'asc', column: 'p.created_at' },
      { key: 'id', direction: 'asc', column: 'id' },
    ]);
  });

  it.each([
    [['name; DROP TABLE x'], 'test: "sort" keys must be identifiers like "created_at", got "name; DROP TABLE x"'],
    [[{ key: 'a', direction: 'up' }], 'test: "sort" direction must be "asc" or "desc", got "up"'],
    [['a', '-a'], 'test: "sort" lists "a" twice'],
    [[{ key: 'a', column: '' }], 'test: "sort" column must be a non-empty string, got ""'],
  ])('rejects %j', (sort, message) => {
    expect(() => normaliseSort(sort as never, 'id', 'test')).toThrow(new TypeError(message));
  });
});

describe('SQL helpers', () => {
  const sort = normaliseSort(['-score', 'name'], 'id', 'test');

  it('builds ORDER BY lists, reversed for backward pages', () => {
    expect(orderBySql(sort)).toBe('"score" DESC, "name" ASC, "id" ASC');
    expect(orderBySql(reverseSort(sort), { quote: (c) => `\`${c}\`` })).toBe('`score` ASC, `name` DESC, `id` DESC');
  });

  it('expands the keyset condition so mixed directions work', () => {
    expect(keysetSql(sort, [3, 'b', 17])).toEqual({
      sql: '("score" < ? OR ("score" = ? AND "name" > ?) OR ("score" = ? AND "name" = ? AND "id" > ?))',
      params: [3, 3, 'b', 3, 'b', 17],
    });
    expect(keysetSql(normaliseSort([], 'id', 't'), [5])).toEqual({ sql: '"id" > ?', params: [5] });
  });

  it('numbers placeholders for PostgreSQL and quotes dotted columns', () => {
    const two = normaliseSort([{ key: 'at', column: 'e.created_at' }], 'id', 't');
    expect(keysetSql(two, ['2026-01-01', 9], { placeholder: (n) => `$${n}`, firstIndex: 2 })).toEqual({
      sql: '("e"."created_at" > $3 OR ("e"."created_at" = $4 AND "id" > $5))',
      params: ['2026-01-01', '2026-01-01', 9],
    });
  });

  it('rejects a value count that does not match the sort', () => {
    expect(() => keysetSql(sort, [1])).toThrow(new TypeError('keyset: the cursor carries 1 values for 3 sort keys'));
  });

  it('reads the key values of an item, and insists they are there', () => {
    expect(keyValues({ id: 1, score: 2, name: 'x', other: true }, sort)).toEqual([2, 'x', 1]);
    expect(() => keyValues({ id: 1, score: 2 }, sort)).toThrow(
      new TypeError('res.paginate: an item has no "name", which the sort needs'),
    );
    expect(() => keyValues(5, sort)).toThrow(TypeError);
    expect(() => keyValues({ id: 1, score: null, name: 'x' }, sort)).toThrow(
      new TypeError('res.paginate: an item\'s "score" is null; sort keys must be NOT NULL'),
    );
  });
});
