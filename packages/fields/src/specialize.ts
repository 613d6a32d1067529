import { KEEP, type PlanNode } from './plan.js';

/** Returned by a specialised selector for a value it does not handle (the generic path does). */
export const SLOW: unique symbol = Symbol('slow');

/** A pick node's selector specialised to its members; returns `SLOW` for anything but a plain object. */
export type FastPick = (value: object) => unknown;

/** Used for nodes that are not specialised: always defers to the generic path. */
export const NONE: FastPick = () => SLOW;

/** Pick nodes with more members than this stay generic. */
const MAX_MEMBERS = 32;

/**
 * Builds a selector for one pick node in which every member read and write is its own property
 * access site, so V8 keeps each one monomorphic; the generic loop shares one megamorphic site for
 * every name of every mask, which makes it several times slower on large arrays.
 *
 * The generated source is made only of fixed text and member *indices*: names and rules are passed
 * in as arguments and captured as constants, so nothing a client sends ever becomes code. The
 * semantics are those of the generic path in `select.ts` (own enumerable members only, `undefined`
 * left out, sub-plans through `child`); values that are not plain objects, or that have a
 * `toJSON`, are handed back with `SLOW`.
 */
export function specialize(
  node: PlanNode,
  child: (rule: PlanNode, value: unknown, key: string) => unknown,
  omit: symbol,
): FastPick {
  const members = node.members;
  if (members.length === 0 || members.length > MAX_MEMBERS) return NONE;
  const params = ['keysOf', 'child', 'OMIT', 'SLOW', 'OBJECT', 'getPrototypeOf'];
  const args: unknown[] = [Object.keys, child, omit, SLOW, Object.prototype, Object.getPrototypeOf];
  const lines = [
    '"use strict";',
    'return function fieldsPick(v) {',
    '  if (typeof v.toJSON === "function") return SLOW;',
    '  const p = getPrototypeOf(v);',
    '  if (p !== OBJECT && p !== null) return SLOW;',
    // Own enumerable string keys, exactly what JSON.stringify sends; one call per object is
    // cheaper than a propertyIsEnumerable call per member.
    '  const own = keysOf(v);',
    '  const o = {};',
    '  let c;',
  ];
  for (let i = 0; i < members.length; i++) {
    const member = members[i];
    if (member === undefined) continue;
    params.push(`n${i}`, `r${i}`);
    args.push(member.name, member.rule);
    lines.push(`  c = v[n${i}];`);
    lines.push(
      member.rule === KEEP
        ? `  if (c !== undefined && own.includes(n${i})) o[n${i}] = c;`
        : `  if (c !== undefined && own.includes(n${i})) { c = child(r${i}, c, n${i}); if (c !== OMIT) o[n${i}] = c; }`,
    );
  }
  lines.push('  return o;', '};');
  const factory = new Function(...params, lines.join('\n')) as (...values: unknown[]) => FastPick;
  return factory(...args);
}
