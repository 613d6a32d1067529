import { describe, expect, it } from 'vitest';
import { compileFields } from './compile.js';
import { createNode, parseMask } from './parse.js';
import { type PlanNode, planOf } from './plan.js';
import { applyPlan } from './select.js';
import { NONE, SLOW } from './specialize.js';

const LIMITS = { maxLength: 1000, maxDepth: 5, maxSelectors: 100 };

/** A plan whose root pick node is specialised on 64 copies of `sample`'s shape. */
function hotPlan(mask: string, sample: () => object): PlanNode {
  const root = createNode();
  parseMask(mask, LIMITS, root, { selectors: 0 });
  const plan = planOf(root, { nodes: 0, max: 1000 });
  if (typeof plan === 'number') throw new Error('expected a plan node');
  applyPlan(
    plan,
    Array.from({ length: 64 }, () => sample()),
  );
  if (plan.fast === null || plan.fast === NONE) throw new Error('expected a specialised selector');
  return plan;
}

function fastOf(plan: PlanNode): (value: object) => unknown {
  const fast = plan.fast;
  if (fast === null) throw new Error('not specialised');
  return (value) => fast(value, plan.members);
}

describe('specialised selectors: the shape test', () => {
  const sample = () => ({ id: 1, sku: 's', name: 'n', price: 2, tags: [], supplier: { name: 'x', id: 3 } });

  it('objects shaped like the sample: members in the sample order, undefined left out', () => {
    const fast = fastOf(hotPlan('supplier,price,id,name', sample));
    expect(JSON.stringify(fast({ id: 7, sku: 'a', name: 'b', price: 3, tags: [1], supplier: 'y' }))).toBe(
      '{"id":7,"name":"b","price":3,"supplier":"y"}',
    );
    expect(JSON.stringify(fast({ id: undefined, sku: 'a', name: 'b', price: undefined, supplier: null }))).toBe(
      '{"name":"b","supplier":null}',
    );
  });

  it('objects with other keys around the members: found by search, in their own order', () => {
    const fast = fastOf(hotPlan('id,name,price', sample));
    // Positions shifted (no sku, an extra key first): the selector still handles it.
    expect(JSON.stringify(fast({ extra: 0, id: 8, name: 'c', price: 4 }))).toBe('{"id":8,"name":"c","price":4}');
    expect(JSON.stringify(fast({ name: 'only' }))).toBe('{"name":"only"}');
    expect(JSON.stringify(fast({}))).toBe('{}');
    // The members in another order than the sample's: handed back to the generic path.
    expect(fast({ price: 1, id: 2, name: 'd' })).toBe(SLOW);
    expect(fast({ id: 1, sku: 's', price: 2, name: 'n' })).toBe(SLOW);
  });

  it('a member the sample lacks: objects without it take the shape path, objects with it are searched', () => {
    const fast = fastOf(hotPlan('id,name,zz', sample));
    expect(JSON.stringify(fast({ id: 1, sku: 's', name: 'n', price: 2 }))).toBe('{"id":1,"name":"n"}');
    // Present after the others: in order, handled; before them: another order, generic path.
    expect(JSON.stringify(fast({ id: 1, sku: 's', name: 'n', zz: 9 }))).toBe('{"id":1,"name":"n","zz":9}');
    expect(fast({ zz: 9, id: 1, sku: 's', name: 'n' })).toBe(SLOW);
    // At the sample's positions but also holding zz: searched, not taken for the sample's shape.
    expect(fast({ id: 1, zz: 0, name: 'n' })).toBe(SLOW);
    expect(JSON.stringify(fast({ id: 1, sku: 'zz', name: 'n', zz: 0 }))).toBe('{"id":1,"name":"n","zz":0}');
  });

  it('read only own enumerable members on either path', () => {
    const fast = fastOf(hotPlan('id,name', () => ({ id: 1, name: 'n' })));
    const hidden = Object.defineProperty({ id: 2 }, 'name', { value: 'hidden', enumerable: false });
    expect(JSON.stringify(fast(hidden))).toBe('{"id":2}');
    const bare = Object.assign(Object.create(null) as object, { id: 3, name: 'bare' });
    expect(JSON.stringify(fast(bare))).toBe('{"id":3,"name":"bare"}');
    expect(fast(Object.assign(Object.create({ name: 'inherited' }) as object, { id: 4 }))).toBe(SLOW);
  });
});

describe('specialised selectors: reused code', () => {
  it('a mask compiled again gives the same results on lists of objects of one shape', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ id: i, a: `a${i}`, b: { c: i, d: -i }, e: i % 2 }));
    const expected = JSON.stringify(items.map((item) => ({ id: item.id, b: { c: item.b.c } })));
    for (let round = 0; round < 5; round++) {
      expect(JSON.stringify(compileFields('b(c),id').select(items))).toBe(expected);
    }
  });

  it('masks with the same structure never mix their names up', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ p: i, q: i + 1, r: i + 2, s: i + 3 }));
    const pq = compileFields('p,q').select(items) as unknown[];
    const rs = compileFields('r,s').select(items) as unknown[];
    const qs = compileFields('q,s').select(items) as unknown[];
    expect(pq[99]).toEqual({ p: 99, q: 100 });
    expect(rs[99]).toEqual({ r: 101, s: 102 });
    expect(qs[99]).toEqual({ q: 100, s: 102 });
    expect([pq.length, rs.length, qs.length]).toEqual([100, 100, 100]);
  });

  it('stay correct past the bound on kept code (300 different masks)', () => {
    const items = Array.from({ length: 70 }, (_, i) => ({ id: i, [`k${i % 3}`]: i }));
    for (let n = 0; n < 300; n++) {
      const out = compileFields(`id,m${n}`).select(items) as unknown[];
      expect(out[69]).toEqual({ id: 69 });
    }
    expect(compileFields('id,k0').select(items.slice(0, 66))).toHaveLength(66);
  });
});

describe('specialised selectors: warm start', () => {
  function plan(mask: string): PlanNode {
    const root = createNode();
    parseMask(mask, LIMITS, root, { selectors: 0 });
    const node = planOf(root, { nodes: 0, max: 1000 });
    if (typeof node === 'number') throw new Error('expected a plan node');
    return node;
  }

  it('a node with members never specialised before waits for 64 objects; one like it does not', () => {
    const cold = plan('w1,w2(w3)');
    applyPlan(cold, [{ w1: 1, w2: { w3: 2, w4: 3 } }]);
    expect(cold.fast).toBeNull();
    expect(cold.hits).toBe(1);
    applyPlan(
      cold,
      Array.from({ length: 63 }, (_, i) => ({ w1: i, w2: { w3: i } })),
    );
    expect(typeof cold.fast).toBe('function');
    // The same members again (another compilation of the mask): specialised on its first object.
    const warm = plan('w2(w3),w1');
    expect(JSON.stringify(applyPlan(warm, [{ w2: { w4: 0, w3: 5 }, w1: 6, w5: 7 }]))).toBe('[{"w2":{"w3":5},"w1":6}]');
    expect(typeof warm.fast).toBe('function');
    expect(warm.fast).not.toBe(NONE);
    expect(warm.hits).toBe(64);
    // Other members (w3 without a sub-plan) are another node: cold again.
    const other = plan('w1,w2');
    applyPlan(other, [{ w1: 1, w2: 2 }]);
    expect(other.fast).toBeNull();
  });

  it('the first object may be of any kind: one that is not plain leaves it to the next (a Date is left out)', () => {
    compileFields('v1,v2').select(Array.from({ length: 64 }, (_, i) => ({ v1: i, v2: i })));
    const warm = plan('v1,v2');
    const out = applyPlan(warm, [{ toJSON: () => ({ v2: 'j', v1: 'k' }) }, new Date(0), { v2: 1, x: 0, v1: 2 }]);
    expect(JSON.stringify(out)).toBe('[{"v2":"j","v1":"k"},{"v2":1,"v1":2}]');
    expect(typeof warm.fast).toBe('function');
  });
});
