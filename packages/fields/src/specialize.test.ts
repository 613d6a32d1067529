import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFields } from './compile.js';
import { createNode, parseMask } from './parse.js';
import { planOf } from './plan.js';
import { applyPlan } from './select.js';
import { NONE } from './specialize.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Every kind of element the specialised path must either handle exactly or hand back. */
function mixed(i: number): unknown {
  switch (i % 12) {
    case 0:
      return { id: i, name: `n${i}`, extra: true, nested: { a: i, b: -i } };
    case 1:
      return { id: i, nested: [{ a: 1, b: 2 }, null, 'scalar'] };
    case 2:
      return Object.assign(Object.create(null), { id: i, name: 'null-prototype' });
    case 3:
      return Object.defineProperty({ id: i }, 'name', { value: 'hidden', enumerable: false });
    case 4:
      return Object.assign(Object.create({ name: 'inherited' }), { id: i });
    case 5:
      return { id: undefined, name: null, nested: 'not an object' };
    case 6:
      return { toJSON: () => ({ id: 'from toJSON', name: 'j', secret: 's' }) };
    case 7:
      return new Point(i, i);
    case 8:
      return [{ id: 'inner array' }];
    case 9:
      return new Date(0);
    case 10:
      return null;
    default:
      return `string ${i}`;
  }
}

describe('specialised pick selectors (built after 64 objects)', () => {
  it('are built once a pick node has seen 64 objects, and only then', () => {
    const root = createNode();
    parseMask('id,nested(a)', { maxLength: 100, maxDepth: 5, maxSelectors: 10 }, root, { selectors: 0 });
    const plan = planOf(root, { nodes: 0, max: 100 });
    if (typeof plan === 'number') throw new Error('expected a plan node');
    const nested = plan.members.find((member) => member.name === 'nested')?.rule;
    applyPlan(
      plan,
      Array.from({ length: 63 }, (_, i) => mixed(0 + 12 * i)),
    );
    expect(plan.fast).toBeNull();
    expect(plan.hits).toBe(63);
    applyPlan(plan, [mixed(0)]);
    expect(typeof plan.fast).toBe('function');
    expect(plan.fast).not.toBe(NONE);
    // Each item's `nested` object went through the nested pick node too.
    expect(typeof nested === 'object' && typeof nested.fast).toBe('function');
    expect(typeof nested === 'object' && nested.fast).not.toBe(NONE);
  });

  it('give the same result as the generic path on every kind of element', () => {
    const masks = ['id,name', 'id,nested(a)', 'nested/b,x', 'name,nested,id', 'x,y'];
    for (const mask of masks) {
      const items = Array.from({ length: 300 }, (_, i) => mixed(i));
      const hot = compileFields(mask);
      const batch = hot.select(items);
      // A fresh selector per element never reaches the threshold: the generic path.
      const generic = items.flatMap((item) => {
        const out = compileFields(mask).select([item]) as unknown[];
        return out;
      });
      expect(batch).toEqual(generic);
      expect(JSON.stringify(batch)).toBe(JSON.stringify(generic));
    }
  });

  it('read only own enumerable members', () => {
    const hot = compileFields('id,name');
    // Cases 0–4 only: plain, null-prototype, non-enumerable and inherited members; all objects.
    const items = Array.from({ length: 200 }, (_, i) => mixed(12 * Math.floor(i / 5) + (i % 5)));
    const out = hot.select(items) as Array<Record<string, unknown>>;
    expect(out).toHaveLength(200);
    expect(out.slice(195)).toEqual([
      { id: 468, name: 'n468' },
      { id: 469 },
      { id: 470, name: 'null-prototype' },
      { id: 471 },
      { id: 472 },
    ]);
  });

  it("keep each object's own member order when the shape changes after specialisation", () => {
    const hot = compileFields('name,id,tags');
    const items: unknown[] = Array.from({ length: 70 }, (_, i) => ({ id: i, name: `n${i}`, tags: [] }));
    items.push({ tags: ['t'], name: 'late', id: 70 }, { name: 'partial', x: 1 }, { id: 72, name: 'back' });
    const out = hot.select(items) as unknown[];
    expect(JSON.stringify(out.slice(68))).toBe(
      '[{"id":68,"name":"n68","tags":[]},{"id":69,"name":"n69","tags":[]},' +
        '{"tags":["t"],"name":"late","id":70},{"name":"partial"},{"id":72,"name":"back"}]',
    );
  });

  it('are one function per member names and shape, shared by masks compiled again', () => {
    const items = Array.from({ length: 64 }, (_, i) => ({ id: i, sku: `s${i}`, name: `n${i}` }));
    const plans = ['id,name', 'name,id', 'id,name'].map((mask) => {
      const root = createNode();
      parseMask(mask, { maxLength: 100, maxDepth: 5, maxSelectors: 10 }, root, { selectors: 0 });
      const plan = planOf(root, { nodes: 0, max: 100 });
      if (typeof plan === 'number') throw new Error('expected a plan node');
      applyPlan(plan, items);
      return plan;
    });
    const [first, second, third] = plans;
    expect(first?.fast).not.toBe(NONE);
    expect(typeof first?.fast).toBe('function');
    expect(second?.fast).toBe(first?.fast);
    expect(third?.fast).toBe(first?.fast);
  });

  it('a shared selector applies each node its own sub-plans', () => {
    // Same member names and shape, different sub-selections: one function, two results.
    const items = () =>
      Array.from({ length: 70 }, (_, i) => ({ id: i, supplier: { name: `s${i}`, country: 'NL', id: i * 10 } }));
    const byName = compileFields('id,supplier(name)');
    const byCountry = compileFields('id,supplier(country,id)');
    const named = byName.select(items()) as unknown[];
    const located = byCountry.select(items()) as unknown[];
    expect(named[69]).toEqual({ id: 69, supplier: { name: 's69' } });
    expect(located[69]).toEqual({ id: 69, supplier: { country: 'NL', id: 690 } });
    // Interleaved after both are specialised: still each its own.
    expect(byName.select(items().slice(0, 1))).toEqual([{ id: 0, supplier: { name: 's0' } }]);
    expect(byCountry.select(items().slice(0, 1))).toEqual([{ id: 0, supplier: { country: 'NL', id: 0 } }]);
  });

  it('fall back to the generic path when code generation from strings is disallowed', () => {
    // The built package, in a child process run with --disallow-code-generation-from-strings (the
    // Node equivalent of a CSP without unsafe-eval): same output as here, where the selector is
    // specialised.
    const script = `
      import { compileFields } from './dist/index.js';
      let refused = false;
      try { new Function('return 1'); } catch (error) { refused = error instanceof EvalError; }
      const items = Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? { name: 'n' + i, id: i, x: 1, nested: { b: i, a: 1 } } : { id: i, nested: { a: i }, name: null });
      const out = compileFields('id,name,nested(a,b)').select(items);
      process.stdout.write(JSON.stringify({ refused, out }));`;
    const child = execFileSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
      { cwd: path.join(import.meta.dirname, '..'), encoding: 'utf8' },
    );
    const items = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? { name: `n${i}`, id: i, x: 1, nested: { b: i, a: 1 } } : { id: i, nested: { a: i }, name: null },
    );
    const here = compileFields('id,name,nested(a,b)');
    const expected = here.select(items);
    expect(JSON.parse(child)).toEqual({ refused: true, out: expected });
    expect(JSON.stringify(JSON.parse(child).out)).toBe(JSON.stringify(expected));
    expect(JSON.stringify((expected as unknown[]).slice(0, 2))).toBe(
      '[{"name":"n0","id":0,"nested":{"b":0,"a":1}},{"id":1,"nested":{"a":1},"name":null}]',
    );
  });

  it('agree with the generic path on random objects (fast-check)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'toJSON', 'constructor');
    const value = fc.oneof(
      fc.integer(),
      fc.constant(null),
      fc.string({ maxLength: 2 }),
      fc.dictionary(key, fc.integer()),
    );
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, value), { minLength: 70, maxLength: 120 }), (items) => {
        for (const mask of ['a,b', 'a(b,c),c']) {
          const generic = items.flatMap((item) => compileFields(mask).select([item]) as unknown[]);
          // Same members in the same order: the random objects come in many key orders.
          expect(JSON.stringify(compileFields(mask).select(items))).toBe(JSON.stringify(generic));
        }
      }),
      { numRuns: 60 },
    );
  });
});
