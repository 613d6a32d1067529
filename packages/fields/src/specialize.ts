import { KEEP, type Member, type PlanNode } from './plan.js';

/** Returned by a specialised selector for a value it does not handle (the generic path does). */
export const SLOW: unique symbol = Symbol('slow');

/** A pick node's selector specialised to its members; returns `SLOW` for anything it does not handle. */
export type FastPick = (value: object) => unknown;

/** Used for nodes that are not specialised: the generic path always applies. */
export const NONE: FastPick = () => SLOW;

/** Pick nodes with more members than this stay generic. */
const MAX_MEMBERS = 32;

/**
 * False once the runtime has refused to compile code from a string (`node
 * --disallow-code-generation-from-strings`, a CSP without `unsafe-eval`): every node then stays
 * on the generic path, with the same results.
 */
let codegen = true;

/**
 * Builds a selector for one pick node in which every member read and write is its own property
 * access site, so V8 keeps each one monomorphic; the generic loop shares one megamorphic site for
 * every name of every mask, which makes it 2–3 times slower on large arrays (`scripts/bench.mjs`).
 *
 * The generated source is made only of fixed text and member *indices*: names and rules are passed
 * in as arguments and captured as constants, so nothing a client sends ever becomes code. The
 * semantics are those of the generic path in `select.ts` (own enumerable members only, `undefined`
 * left out, sub-plans through `child`, members in the object's own order). The members are read
 * in the order they have in `sample`, the object that triggered the specialisation (objects of a
 * list usually share one shape); an object that is not plain, has a `toJSON`, or holds the
 * members in another order is handed back with `SLOW`.
 */
export function specialize(
  node: PlanNode,
  child: (rule: PlanNode, value: unknown, key: string) => unknown,
  omit: symbol,
  sample: object,
): FastPick {
  const members = node.members;
  if (!codegen || members.length === 0 || members.length > MAX_MEMBERS) return NONE;
  const ordered = inSampleOrder(members, sample);
  const params = ['keysOf', 'child', 'OMIT', 'SLOW', 'OBJECT', 'getPrototypeOf'];
  const args: unknown[] = [Object.keys, child, omit, SLOW, Object.prototype, Object.getPrototypeOf];
  const lines = [
    '"use strict";',
    'return function fieldsPick(v) {',
    '  if (typeof v.toJSON === "function") return SLOW;',
    '  const p = getPrototypeOf(v);',
    '  if (p !== OBJECT && p !== null) return SLOW;',
    // Own enumerable string keys in order, exactly what JSON.stringify sends.
    '  const own = keysOf(v);',
    '  let last = -1, at;',
  ];
  const writes = ['  const o = {};'];
  ordered.forEach((member, i) => {
    params.push(`n${i}`, `r${i}`);
    args.push(member.name, member.rule);
    lines.push(`  const c${i} = (at = own.indexOf(n${i})) < 0 ? undefined : v[n${i}];`);
    lines.push('  if (at >= 0) { if (at < last) return SLOW; last = at; }');
    writes.push(
      member.rule === KEEP
        ? `  if (c${i} !== undefined) o[n${i}] = c${i};`
        : `  if (c${i} !== undefined) { const s = child(r${i}, c${i}, n${i}); if (s !== OMIT) o[n${i}] = s; }`,
    );
  });
  lines.push(...writes, '  return o;', '};');
  let factory: (...values: unknown[]) => FastPick;
  try {
    factory = new Function(...params, lines.join('\n')) as (...values: unknown[]) => FastPick;
  } catch {
    // Code generation from strings is disallowed here (EvalError): stay generic from now on.
    codegen = false;
    return NONE;
  }
  return factory(...args);
}

/** The members ordered by their position among `sample`'s own keys; absent ones last, by name. */
function inSampleOrder(members: readonly Member[], sample: object): Member[] {
  const keys = Object.keys(sample);
  const position = (member: Member) => {
    const at = keys.indexOf(member.name);
    return at < 0 ? keys.length : at;
  };
  return members
    .map((member) => ({ member, at: position(member) }))
    .sort((a, b) => a.at - b.at)
    .map(({ member }) => member);
}
