import { isProblemError } from '@expresskit/core';
import { describe, expect, it } from 'vitest';
import { type CompileOptions, compileFields, type FieldMask, selectFields } from './compile.js';

function problem(mask: FieldMask, options: CompileOptions = {}) {
  try {
    compileFields(mask, options);
  } catch (error) {
    if (isProblemError(error)) return error.toJSON();
    throw error;
  }
  throw new Error('expected a problem');
}

const user = { id: 1, name: 'Ada', email: 'ada@example.com', password: 'x', address: { city: 'London', zip: 'N1' } };

describe('selection beyond json-mask', () => {
  it('merges repeated paths: a/b,a/c keeps both', () => {
    expect(selectFields({ a: { b: 1, c: 2, d: 3 } }, 'a/b,a/c')).toEqual({ a: { b: 1, c: 2 } });
    expect(selectFields({ item: { id: 1, name: 'n', x: 0 } }, 'item/id,item/name')).toEqual({
      item: { id: 1, name: 'n' },
    });
  });

  it('merges the values of a repeated parameter', () => {
    expect(selectFields(user, ['id', 'address/city'])).toEqual({ id: 1, address: { city: 'London' } });
  });

  it('a whole member wins over a sub-selection of it, in either order', () => {
    expect(selectFields({ a: { b: 1, c: 2 } }, 'a,a/b')).toEqual({ a: { b: 1, c: 2 } });
    expect(selectFields({ a: { b: 1, c: 2 } }, 'a/b,a')).toEqual({ a: { b: 1, c: 2 } });
  });

  it('a wildcard and a named member add up', () => {
    const value = { p: { a: 1, b: 2, c: 3 }, q: { a: 4, b: 5, c: 6 } };
    expect(selectFields(value, '*(a),p(b)')).toEqual({ p: { a: 1, b: 2 }, q: { a: 4 } });
    expect(selectFields(value, 'p(b),*')).toEqual(value);
  });

  it('"*" on scalars is harmless: strings are not split into characters', () => {
    expect(selectFields({ a: 'str', b: { c: 'x' }, n: 5 }, '*/*')).toEqual({ a: 'str', b: { c: 'x' }, n: 5 });
    expect(selectFields('str', '*')).toBe('str');
    expect(selectFields({ a: ['x', 'y'] }, 'a/*')).toEqual({ a: ['x', 'y'] });
  });

  it('a named sub-selection of a scalar leaves the member out; null is kept (json-mask does the same)', () => {
    expect(selectFields({ a: 5, b: null, c: { d: 1 } }, 'a/x,b/x,c/d')).toEqual({ b: null, c: { d: 1 } });
    expect(selectFields({ a: [1, { x: 2 }, null] }, 'a/x')).toEqual({ a: [{ x: 2 }, null] });
  });

  it('maps arrays element by element, nested arrays included, and leaves scalars at the top alone', () => {
    expect(selectFields([[{ a: 1, b: 2 }], [{ a: 3 }]], 'a')).toEqual([[{ a: 1 }], [{ a: 3 }]]);
    expect(selectFields(42, 'a')).toBe(42);
    expect(selectFields(null, 'a')).toBeNull();
  });

  it('honours toJSON (Dates, custom classes) the way JSON.stringify does', () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    expect(selectFields({ when, other: 1 }, 'when')).toEqual({ when });
    expect(selectFields({ when }, 'when/x')).toEqual({});
    expect(selectFields({ when, n: 1 }, '*/*')).toEqual({ when, n: 1 });
    expect(selectFields({ when, n: { a: 1, b: 2 } }, 'n/a,when/*')).toEqual({ when, n: { a: 1 } });
    class Doc {
      constructor(readonly secret: string) {}
      toJSON(key: string) {
        return { key, title: 't', body: 'b' };
      }
    }
    expect(selectFields({ doc: new Doc('s') }, 'doc(key,title)')).toEqual({ doc: { key: 'doc', title: 't' } });
    expect(selectFields([new Doc('s')], 'key')).toEqual([{ key: '0' }]);
  });

  it('serialises like the input: a toJSON() result holding a toJSON function is not made callable', () => {
    const tricky = { toJSON: () => ({ a: 1, b: 2, toJSON: () => 'hijacked' }) };
    const input = { x: tricky, y: 1 };
    expect(JSON.stringify(input)).toBe('{"x":{"a":1,"b":2},"y":1}');
    for (const [mask, exclude, expected] of [
      [null, 'y', '{"x":{"a":1,"b":2}}'],
      ['x/*', null, '{"x":{"a":1,"b":2}}'],
      ['x(a,toJSON)', null, '{"x":{"a":1}}'],
      ['*/*', 'x/b', '{"x":{"a":1},"y":1}'],
    ] as const) {
      expect(JSON.stringify(selectFields(input, mask, exclude === null ? {} : { exclude }))).toBe(expected);
    }
  });

  it('reads own enumerable properties only', () => {
    const proto = { inherited: 1 };
    const value = Object.create(proto) as Record<string, unknown>;
    value.own = 2;
    Object.defineProperty(value, 'hidden', { value: 3, enumerable: false });
    expect(selectFields(value, 'inherited,own,hidden')).toEqual({ own: 2 });
    expect(selectFields(value, '*')).toBe(value);
    expect(selectFields({ v: value }, 'v/*')).toEqual({ v: { own: 2 } });
    expect(selectFields({}, 'toString,hasOwnProperty')).toEqual({});
  });

  it('never reads or creates __proto__, constructor or prototype', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"a":1}');
    const masks = ['__proto__', '__proto__/polluted', 'constructor/prototype', '*(a,constructor)', 'a,__proto__(x)'];
    for (const mask of masks) {
      const out = selectFields({ nested: hostile, list: [hostile] }, `nested(${mask}),list(${mask})`) as {
        nested: object;
        list: [object];
      };
      for (const part of [out.nested, out.list[0]]) {
        expect(Object.getPrototypeOf(part)).toBe(Object.prototype);
        expect(Object.hasOwn(part, '__proto__')).toBe(false);
        expect(Object.hasOwn(part, 'constructor')).toBe(false);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
    // A wildcard with nothing below keeps the member as it is (the object is not walked).
    expect(selectFields({ h: hostile }, '*')).toEqual({ h: hostile });
    expect(selectFields({ a: 1 }, 'constructor')).toEqual({});
    expect(selectFields({ a: 1 }, 'constructor/prototype')).toEqual({});
    expect(selectFields({ a: [{}] }, 'a/__proto__/x')).toEqual({ a: [{}] });
  });
});

describe('member order', () => {
  it("keeps the object's own order, whatever the order of the mask", () => {
    const value = { b: 1, a: { d: 1, c: 2 }, c: 3, 2: 'two', 1: 'one' };
    for (const mask of ['c,a(c,d),b,1,2', 'b,a(d,c),c,2,1', '2,c,1,b,a/c,a/d']) {
      expect(JSON.stringify(selectFields(value, mask))).toBe('{"1":"one","2":"two","b":1,"a":{"d":1,"c":2},"c":3}');
    }
    expect(JSON.stringify(selectFields(value, '*', { exclude: 'a/d' }))).toBe(
      '{"1":"one","2":"two","b":1,"a":{"c":2},"c":3}',
    );
  });

  it('gives the same bytes for equivalent masks, element by element in a list of mixed shapes', () => {
    const items = [
      { name: 'x', id: 1, extra: true },
      { id: 2, name: 'y' },
    ];
    expect(JSON.stringify(selectFields(items, 'id,name'))).toBe('[{"name":"x","id":1},{"id":2,"name":"y"}]');
    expect(JSON.stringify(selectFields(items, 'name,id'))).toBe('[{"name":"x","id":1},{"id":2,"name":"y"}]');
  });
});

describe('exclusion', () => {
  it('removes paths; alone it keeps everything else', () => {
    expect(selectFields(user, null, { exclude: 'password,address/zip' })).toEqual({
      id: 1,
      name: 'Ada',
      email: 'ada@example.com',
      address: { city: 'London' },
    });
  });

  it('wins over the selection: fields=a&exclude=a/b sends a without b', () => {
    expect(selectFields({ a: { b: 1, c: 2 }, d: 3 }, 'a', { exclude: 'a/b' })).toEqual({ a: { c: 2 } });
    expect(selectFields({ a: 1, b: 2 }, 'a,b', { exclude: 'a' })).toEqual({ b: 2 });
  });

  it('works through arrays and wildcards, and leaves scalars alone', () => {
    expect(selectFields({ items: [{ a: 1, b: 2 }, 'x'] }, null, { exclude: 'items/b' })).toEqual({
      items: [{ a: 1 }, 'x'],
    });
    expect(selectFields({ p: { s: 1, t: 2 }, q: { s: 3 } }, null, { exclude: '*/s' })).toEqual({
      p: { t: 2 },
      q: {},
    });
    expect(selectFields({ a: 5 }, null, { exclude: 'a/b' })).toEqual({ a: 5 });
  });

  it('excluding everything (exclude=*) leaves empty objects, never undefined', () => {
    expect(selectFields({ a: 1 }, null, { exclude: '*' })).toEqual({});
    expect(selectFields([{ a: 1 }, 'x', null], null, { exclude: '*' })).toEqual([{}, 'x', null]);
    expect(selectFields([{ a: 1 }, { b: 2 }], 'a', { exclude: '*' })).toEqual([{}, {}]);
    expect(selectFields('scalar', null, { exclude: '*' })).toBe('scalar');
    expect(selectFields({ a: 1 }, null, { deny: '*' })).toEqual({});
  });

  it('a trailing wildcard excludes the member itself: exclude=a/* is exclude=a', () => {
    expect(selectFields({ a: { b: 1 }, c: 2 }, null, { exclude: 'a/*' })).toEqual({ c: 2 });
    expect(selectFields({ a: 5, c: 2 }, null, { exclude: 'a/*' })).toEqual({ c: 2 });
    expect(selectFields({ a: { b: 1 }, c: 2 }, null, { exclude: '*/*' })).toEqual({});
    expect(compileFields(null, { exclude: 'a/*' }).exclude).toBe('a/*');
  });

  it('shows in the canonical key', () => {
    const compiled = compileFields('b,a', { exclude: 'z,y' });
    expect(compiled.fields).toBe('a,b');
    expect(compiled.exclude).toBe('y,z');
    expect(compiled.key).toBe('fields=a%2Cb&exclude=y%2Cz');
  });
});

describe('deny, allow and strict', () => {
  it('deny: never sent, whether selected, wildcarded or not selected at all', () => {
    const options = { deny: 'password,address/zip' };
    expect(selectFields(user, 'id,password', options)).toEqual({ id: 1 });
    expect(selectFields(user, '*', options)).toEqual({
      id: 1,
      name: 'Ada',
      email: 'ada@example.com',
      address: { city: 'London' },
    });
    expect(selectFields(user, 'address', options)).toEqual({ address: { city: 'London' } });
    expect(selectFields(user, null, options)).toEqual(selectFields(user, '*', options));
    expect(compileFields(null, options).identity).toBe(false);
  });

  it('allow: a selection is limited to the allowed paths', () => {
    const options = { allow: 'id,name,address(city)' };
    expect(selectFields(user, 'id,password', options)).toEqual({ id: 1 });
    expect(selectFields(user, '*', options)).toEqual({ id: 1, name: 'Ada', address: { city: 'London' } });
    expect(selectFields(user, 'address', options)).toEqual({ address: { city: 'London' } });
    expect(selectFields(user, null, options)).toBe(user);
  });

  it('strict: a path outside allow is a 400 with the offset of the name', () => {
    expect(problem('id,address/zip', { allow: 'id,address(city)', strict: true })).toEqual({
      type: 'tag:expresskit.dev,2026:invalid-parameter',
      title: 'Invalid query parameter',
      status: 400,
      detail: 'Invalid field selection in "fields": "address/zip" (offset 11) is not a field that can be selected',
      parameter: 'fields',
      rule: 'unknown-field',
      offset: 11,
    });
    expect(problem(null, { allow: 'id', strict: true, exclude: 'nope' })).toMatchObject({
      parameter: 'exclude',
      rule: 'unknown-field',
      offset: 0,
    });
    expect(compileFields('id,address,*', { allow: 'id,address(city)', strict: true }).fields).toBe('*,address,id');
  });

  it('strict: a denied path is a 400 like an unknown one; constructor is unknown', () => {
    expect(problem('id,password', { deny: 'password', strict: true })).toMatchObject({
      rule: 'unknown-field',
      offset: 3,
    });
    expect(problem('constructor', { deny: 'password', strict: true })).toMatchObject({ rule: 'unknown-field' });
    expect(selectFields(user, '*', { deny: 'password', strict: true })).not.toHaveProperty('password');
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => compileFields('a', { strict: true })).toThrow(
      new TypeError(
        'compileFields: "strict" must be used with "allow" or "deny" (it rejects fields outside them), got true',
      ),
    );
    expect(() => compileFields('a', { deny: 'a(' })).toThrow(
      new TypeError(
        'compileFields: "deny" is not a valid field mask (syntax error at offset 2: missing ")" for the "(" at offset 1)',
      ),
    );
    expect(() => compileFields('a', { allow: '' })).toThrow(
      new TypeError('compileFields: "allow" must be a non-empty field mask, got ""'),
    );
    expect(() => compileFields('a', { maxDepth: 0 })).toThrow(
      new TypeError('compileFields: "maxDepth" must be an integer from 1 to 256, got 0'),
    );
    expect(() => compileFields(5 as unknown as string)).toThrow(
      new TypeError('compileFields: "mask" must be a string, an array of strings, null or undefined, got 5'),
    );
  });
});

describe('compiled selectors', () => {
  it('are reusable and report canonical forms', () => {
    const compiled = compileFields('name,id');
    expect(compiled.fields).toBe('id,name');
    expect(compiled.exclude).toBeNull();
    expect(compiled.key).toBe('fields=id%2Cname');
    expect(compiled.identity).toBe(false);
    expect(compiled.select(user)).toEqual({ id: 1, name: 'Ada' });
    expect(compiled.select([user, user])).toEqual([
      { id: 1, name: 'Ada' },
      { id: 1, name: 'Ada' },
    ]);
    expect(selectFields(user, compiled)).toEqual({ id: 1, name: 'Ada' });
  });

  it('an empty mask selects everything and returns the same value', () => {
    for (const mask of [null, undefined, '', ',', [], ['', '']]) {
      const compiled = compileFields(mask);
      expect(compiled.identity).toBe(true);
      expect(compiled.key).toBe('');
      expect(compiled.select(user)).toBe(user);
    }
  });

  it('the repeated-value limit counts the values together', () => {
    expect(problem(['a'.repeat(10), 'b'.repeat(10)], { maxLength: 20 })).toMatchObject({
      parameter: 'fields',
      rule: 'max-length',
      occurrence: 0,
    });
  });

  it('wildcards cannot blow up the plan', () => {
    const mask = `*(${'*('.repeat(14)}x${')'.repeat(14)}),${Array.from({ length: 200 }, (_, i) => `k${i}/k/k/k`).join(',')}`;
    const compiled = compileFields(mask, { maxSelectors: 1000, maxLength: 4096 });
    expect(compiled.fields?.startsWith('*/*/*')).toBe(true);
  });
});
