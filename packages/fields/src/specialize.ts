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

type Factory = (...values: unknown[]) => FastPick;

/**
 * Factories by generated source and member names, so a mask compiled again (a selector per
 * request, or one evicted from the cache) reuses the code V8 has already optimised: the selectors
 * one factory makes share its feedback and optimised code. Names are only a key here, never code.
 */
const factories = new Map<string, Factory>();

/** At most this many factories (and as many signatures in `known`) are kept; the oldest goes first. */
const MAX_FACTORIES = 256;

/**
 * Signatures (member names, and which have a sub-plan) of the pick nodes specialised so far: a
 * node like one of them is specialised on its first object, since its code is most likely kept.
 */
const known = new Set<string>();

/** The members of a pick node, and which of them have a sub-plan, as a key. */
function signature(node: PlanNode): string {
  return JSON.stringify(node.members.map((member) => [member.name, member.rule === KEEP ? 0 : 1]));
}

/** True when a pick node with the same members was specialised before (see `known`). */
export function specializedBefore(node: PlanNode): boolean {
  return codegen && known.size > 0 && known.has(signature(node));
}

/** Deletes the oldest entry of a full `factories` or `known`. */
function makeRoom(entries: Map<string, unknown> | Set<string>): void {
  if (entries.size < MAX_FACTORIES) return;
  const oldest = entries.keys().next();
  if (oldest.done !== true) entries.delete(oldest.value);
}

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
 * list usually share one shape): an object whose own keys hold each member at the sample's index
 * (one comparison per member) is read without searching; any other is searched member by member;
 * one that is not plain, has a `toJSON`, or holds the members in another order is handed back
 * with `SLOW`. The compiled factory is kept in `factories`, so another node of the same members
 * and shape gets a closure sharing V8's feedback and optimised code.
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
  // What the source depends on (each member's index in the sample, or none, and whether it has a
  // sub-plan), and the names the factory's selectors have seen at their property access sites.
  const key = JSON.stringify(
    ordered.map(({ member, at }) => [at < keys.length ? at : -1, member.rule === KEEP ? 0 : 1, member.name]),
  );
  let factory = factories.get(key);
  if (factory === undefined) {
    try {
      factory = generate(ordered, keys.length);
    } catch {
      // Code generation from strings is disallowed here (EvalError): stay generic from now on.
      codegen = false;
      return NONE;
    }
    makeRoom(factories);
    factories.set(key, factory);
  }
  const name = signature(node);
  if (!known.has(name)) {
    makeRoom(known);
    known.add(name);
  }
  const args: unknown[] = [Object.keys, child, omit, SLOW, Object.prototype, Object.getPrototypeOf];
  for (const { member } of ordered) args.push(member.name, member.rule);
  return factory(...args);
}

/** Compiles the factory of a selector for `ordered` members (see `specialize`); throws `EvalError` without codegen. */
function generate(ordered: ReadonlyArray<{ member: Member; at: number }>, sampleKeys: number): Factory {
  const params = ['keysOf', 'child', 'OMIT', 'SLOW', 'OBJECT', 'getPrototypeOf'];
  // The shape test: each member the sample has sits at the sample's index among the object's own
  // keys (keys are unique, so they are present and in the sample's order), and each member the
  // sample lacks is not an own key at all. One comparison per member, no search for the usual
  // case of a list of objects built alike.
  const shape: string[] = [];
  const fast: string[] = [];
  const general = ['    let last = -1, at;'];
  const writes = ['  const o = {};'];
  ordered.forEach(({ member, at }, i) => {
    params.push(`n${i}`, `r${i}`);
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
        : `  if (c${i} !== undefined) { const s = child(r${i}, c${i}, n${i}); if (s !== OMIT) o[n${i}] = s; }`,
    );
  });
  const lines = [
    '"use strict";',
    'return function fieldsPick(v) {',
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

/** The members with their index among `sample`'s own keys, in that order; absent ones last, by name. */
function inSampleOrder(members: readonly Member[], keys: readonly string[]): Array<{ member: Member; at: number }> {
  return members
    .map((member) => {
      const at = keys.indexOf(member.name);
      return { member, at: at < 0 ? keys.length : at };
    })
    .sort((a, b) => a.at - b.at);
}
