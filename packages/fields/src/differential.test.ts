/// <reference path="./testing/json-mask.d.ts" />
import fc from 'fast-check';
import jsonMask from 'json-mask';
import { describe, expect, it } from 'vitest';
import { selectFields } from './compile.js';
import { escapeName } from './parse.js';

/**
 * json-mask itself as the oracle, on the part of the input space where its behaviour is well
 * defined: masks without repeated names or a wildcard next to named siblings (json-mask lets the
 * last one win instead of merging), data whose scalars all sit at the depth the masks can reach
 * at most (json-mask keeps falsy scalars under a sub-selection and drops truthy ones), and arrays
 * of objects only.
 */
const KEYS = ['a', 'b', 'c', 'x/y', 'p,q', '*', 'o(k)', 'back\\slash'];
const MAX_DEPTH = 3;

/** `name: null` is the wildcard; the name `'*'` is a literal member named `*` (written `\*`). */
interface MaskTree {
  name: string | null;
  children: readonly MaskTree[];
}

const maskLevel = (depth: number): fc.Arbitrary<readonly MaskTree[]> =>
  depth === 0
    ? fc.constant([])
    : fc.oneof(
        fc.constant([{ name: null, children: [] }]),
        fc
          .uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 })
          .chain((names) =>
            fc.tuple(
              ...names.map((name) =>
                fc.oneof(maskLevel(depth - 1), fc.constant([])).map((children): MaskTree => ({ name, children })),
              ),
            ),
          ),
        maskLevel(depth - 1).map((children): MaskTree[] => [{ name: null, children }]),
      );

/** Renders a tree with a random choice of `a/b` or `a(b)` where both are possible. */
function render(nodes: readonly MaskTree[], slash: boolean): string {
  return nodes
    .map((node) => {
      const name = node.name === null ? '*' : escapeName(node.name);
      if (node.children.length === 0) return name;
      const inner = render(node.children, !slash);
      return node.children.length === 1 && slash ? `${name}/${inner}` : `${name}(${inner})`;
    })
    .join(',');
}

const data = (depth: number): fc.Arbitrary<unknown> =>
  depth === MAX_DEPTH
    ? fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(null), fc.constantFrom('s', 'text'))
    : fc.oneof(
        { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), data(depth + 1), { maxKeys: 5 }) },
        {
          weight: 1,
          arbitrary: fc.array(fc.dictionary(fc.constantFrom(...KEYS), data(depth + 1), { maxKeys: 4 }), {
            maxLength: 3,
          }),
        },
      );

describe('differential test against json-mask 2.0.0', () => {
  it('selects exactly what json-mask selects on well-defined input', () => {
    fc.assert(
      fc.property(
        maskLevel(MAX_DEPTH).filter((tree) => tree.length > 0),
        fc.boolean(),
        data(0),
        (tree, slash, value) => {
          const mask = render(tree, slash);
          expect(selectFields(value, mask)).toEqual(jsonMask(value, mask));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
