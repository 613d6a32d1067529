import { KEEP, type Member, type PlanNode } from './plan.js';

/** Returned by a specialised selector for a value it does not handle (the generic path does). */
export const SLOW: unique symbol = Symbol('slow');

/**
 * A pick node's selector specialised to its members' names; returns `SLOW` for anything it does
 * not handle. `members` are the node's (the sub-plans come from there, so one selector serves
 * every node with the same names).
 */
export type FastPick = (value: object, members: readonly Member[]) => unknown;

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

type Factory = (...values: unknown[]) => FastPick;

/**
 * Selectors by generated source and member names, so a mask compiled again (a selector per
 * request, or one evicted from the cache) gets the very function V8 has already optimised. One
 * function per key, not one per node, also matters for its speed: V8 then compiles the names it
 * captured as constants, so each member read and write is a named property access (a closure per
 * node made every mask compiled per call about 20% slower on the 1,000-item benchmark). Names are
 * only a key here, never code.
 */
const selectors = new Map<string, FastPick>();

/** At most this many selectors (and as many signatures in `known`) are kept; the oldest goes first. */
const MAX_SELECTORS = 256;

/**
 * Signatures (member names, and which have a sub-plan) of the pick nodes specialised so far: a
 * node like one of them is specialised on its first object, since its code is most likely kept.
 */
const known = new Set<string>();

/**
 * The members of a pick node, and which of them have a sub-plan, as a key (computed once per
 * node). Each name is written with its length first, so no two member lists share a key.
 */
function signature(node: PlanNode): string {
  if (node.signature !== null) return node.signature;
  let key = '';
  for (const member of node.members) key += `${member.name.length}:${member.name}${member.rule === KEEP ? 0 : 1}`;
  node.signature = key;
  return key;
}

/** True when a pick node with the same members was specialised before (see `known`). */
export function specializedBefore(node: PlanNode): boolean {
  return codegen && known.size > 0 && known.has(signature(node));
}

/** Deletes the oldest entry of a full `selectors` or `known`. */
function makeRoom(entries: Map<string, unknown> | Set<string>): void {
  if (entries.size < MAX_SELECTORS) return;
  const oldest = entries.keys().next();
  if (oldest.done !== true) entries.delete(oldest.value);
}

/**
 * Builds a selector for one pick node in which every member read and write is its own property
 * access site, so V8 keeps each one monomorphic; the generic loop shares one megamorphic site for
 * every name of every mask, which makes it 2–3 times slower on large arrays (`scripts/bench.mjs`).
 *
 * The generated source is made only of fixed text and member *indices*: names are passed in as
 * arguments and captured as constants, sub-plans are read from the node's members at each call,
 * so nothing a client sends ever becomes code. The
 * semantics are those of the generic path in `select.ts` (own enumerable members only, `undefined`
 * left out, sub-plans through `child`, members in the object's own order). The members are read
 * in the order they have in `sample`, the object that triggered the specialisation (objects of a
 * list usually share one shape): an object whose own keys hold each member at the sample's index
 * (one comparison per member) is read without searching; any other is searched member by member;
 * one that is not plain, has a `toJSON`, or holds the members in another order is handed back
 * with `SLOW`. The selector is kept in `selectors`, so another node of the same members and shape
 * gets the same function (see `selectors`). `child` and `omit` are the generic path's, the same
 * for every call: a cached selector keeps the ones it was built with.
 */
export function specialize(
  node: PlanNode,
  child: (rule: PlanNode, value: unknown, key: string) => unknown,
  omit: symbol,
  sample: object,
): FastPick {
  const members = node.members;
  if (!codegen || members.length === 0 || members.length > MAX_MEMBERS) return NONE;
  const keys = Object.keys(sample);
  const ordered = inSampleOrder(members, keys);
  // What the selector depends on: each member's index in the sample (or none) and among the
  // node's members, whether it has a sub-plan, and its name (captured as a constant).
  let key = '';
  for (const { member, at, index } of ordered) {
    key += `${at < keys.length ? at : -1},${index},${member.rule === KEEP ? 0 : 1},${member.name.length}:${member.name}`;
  }
  let selector = selectors.get(key);
  if (selector === undefined) {
    let factory: Factory;
    try {
      factory = generate(ordered, keys.length);
    } catch {
      // Code generation from strings is disallowed here (EvalError): stay generic from now on.
      codegen = false;
      return NONE;
    }
    const args: unknown[] = [Object.keys, child, omit, SLOW, Object.prototype, Object.getPrototypeOf];
    for (const { member } of ordered) args.push(member.name);
    selector = factory(...args);
    makeRoom(selectors);
    selectors.set(key, selector);
  }
  const name = signature(node);
  if (!known.has(name)) {
    makeRoom(known);
    known.add(name);
  }
  return selector;
}

/** Compiles the factory of a selector for `ordered` members (see `specialize`); throws `EvalError` without codegen. */
function generate(ordered: ReadonlyArray<{ member: Member; at: number; index: number }>, sampleKeys: number): Factory {
  const params = ['keysOf', 'child', 'OMIT', 'SLOW', 'OBJECT', 'getPrototypeOf'];
  // The shape test: each member the sample has sits at the sample's index among the object's own
  // keys (keys are unique, so they are present and in the sample's order), and each member the
  // sample lacks is not an own key at all. One comparison per member, no search for the usual
  // case of a list of objects built alike.
  const shape: string[] = [];
  const fast: string[] = [];
  const general = ['    let last = -1, at;'];
  const writes = ['  const o = {};'];
  ordered.forEach(({ member, at, index }, i) => {
    params.push(`n${i}`);
    if (at < sampleKeys) {
      shape.push(`own[${at}] === n${i}`);
      fast.push(`    c${i} = v[n${i}];`);
    } else {
      shape.push(`own.indexOf(n${i}) < 0`);
    }
    // Any other shape: find each member, and hand back an object whose members come in another order.
    general.push(`    c${i} = (at = own.indexOf(n${i})) < 0 ? undefined : v[n${i}];`);
    general.push('    if (at >= 0) { if (at < last) return SLOW; last = at; }');
    writes.push(
      member.rule === KEEP
        ? `  if (c${i} !== undefined) o[n${i}] = c${i};`
        : `  if (c${i} !== undefined) { const s = child(m[${index}].rule, c${i}, n${i}); if (s !== OMIT) o[n${i}] = s; }`,
    );
  });
  const lines = [
    '"use strict";',
    'return function fieldsPick(v, m) {',
    '  if (typeof v.toJSON === "function") return SLOW;',
    '  const p = getPrototypeOf(v);',
    '  if (p !== OBJECT && p !== null) return SLOW;',
    // Own enumerable string keys in order, exactly what JSON.stringify sends.
    '  const own = keysOf(v);',
    `  let ${ordered.map((_, i) => `c${i}`).join(', ')};`,
    `  if (${shape.join(' && ')}) {`,
    ...fast,
    '  } else {',
    ...general,
    '  }',
    ...writes,
    '  return o;',
    '};',
  ];
  return new Function(...params, lines.join('\n')) as Factory;
}

/**
 * The members with their index among `sample`'s own keys, in that order (absent ones last, by
 * name), and their index among the node's members.
 */
function inSampleOrder(
  members: readonly Member[],
  keys: readonly string[],
): Array<{ member: Member; at: number; index: number }> {
  return members
    .map((member, index) => {
      const at = keys.indexOf(member.name);
      return { member, at: at < 0 ? keys.length : at, index };
    })
    .sort((a, b) => a.at - b.at);
}
