import { DROP, FORBIDDEN, KEEP, type PlanNode, type Rule } from './plan.js';
import { NONE, SLOW, specialize, specializedBefore } from './specialize.js';

/**
 * A pick node is specialised once it has been applied to this many objects (see `specialize.ts`),
 * or on its first object when a node with the same members was specialised before (a mask
 * compiled again: its code is kept, so small bodies do not pay for compiling it).
 */
const SPECIALIZE_AFTER = 64;

/** Returned for a value a *pick* node cannot apply to (a string, number or boolean): leave it out. */
const OMIT: unique symbol = Symbol('omit');

/**
 * Applies a compiled plan to a value, the way `JSON.stringify` would see it: `toJSON()` is called
 * first, only own enumerable properties are read, `__proto__`/`constructor`/`prototype` are never
 * read or written, arrays are mapped element by element, and the members of every object built
 * keep the order they have in the object they come from. A value at the top that is not an
 * object or array is returned unchanged.
 */
export function applyPlan(rule: Rule, value: unknown): unknown {
  if (rule === KEEP) return value;
  // Everything excluded (`?exclude=*`): objects become `{}`, never an empty (invalid JSON) body.
  const result = applyNode(rule === DROP ? NOTHING : rule, value, '');
  return result === OMIT ? value : result;
}

/** What an exclusion of every member leaves: no member of any object; scalars, as exclusions do. */
const NOTHING: PlanNode = { members: [], byName: new Map(), rest: DROP, hits: 0, fast: null, signature: null };

function applyNode(node: PlanNode, input: unknown, key: string | number): unknown {
  if (input === null || typeof input !== 'object') return scalar(node, input);
  if (Array.isArray(input)) return applyArray(node, input);
  if (node.rest === DROP) {
    const result = fastPick(node, input);
    if (result !== SLOW) return result;
  }
  return applyObject(node, input, key);
}

/**
 * A sub-selection of a scalar: a pick node has nothing to pick (the member is left out, as
 * json-mask does); a keep-everything-but node keeps it; `null` is kept (json-mask too).
 */
function scalar(node: PlanNode, input: unknown): unknown {
  return input === null || input === undefined || node.rest !== DROP || node === NOTHING ? input : OMIT;
}

/** The specialised selector of a pick node (built on first use after `SPECIALIZE_AFTER` objects), or `SLOW`. */
function fastPick(node: PlanNode, input: object): unknown {
  let fast = node.fast;
  if (fast === null) {
    // Built from a plain object, whose member order the selector expects (see `specialize.ts`).
    let hits = ++node.hits;
    if (hits === 1 && specializedBefore(node)) hits = node.hits = SPECIALIZE_AFTER;
    if (hits < SPECIALIZE_AFTER || !isPlain(input)) return SLOW;
    fast = specialize(node, applyNode, OMIT, input);
    node.fast = fast;
  }
  return fast === NONE ? SLOW : fast(input, node.members);
}

function isPlain(value: object): boolean {
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The generic path for an object: `toJSON()` first, boxed primitives as they are, then its members. */
function applyObject(node: PlanNode, input: object, key: string | number): unknown {
  let value: object = input;
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value, typeof key === 'number' ? String(key) : key);
    if (json === null || typeof json !== 'object') return scalar(node, json);
    if (Array.isArray(json)) return applyArray(node, json);
    value = json;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && isBoxed(value)) return node.rest !== DROP ? value : OMIT;
  if (node.rest === DROP && value !== input) {
    // A toJSON() result (a Mongoose document's plain object, say) can take the specialised path.
    const result = fastPick(node, value);
    if (result !== SLOW) return result;
  }
  return walk(node, value as Record<string, unknown>);
}

/** `new String('x')` and friends serialise as their primitive: never walk them. */
function isBoxed(value: object): boolean {
  return value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt;
}

/**
 * Walks the object's own enumerable keys in their own order (what `JSON.stringify` sends, in the
 * order it sends them), applying each member's rule.
 */
function walk(node: PlanNode, source: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(source);
  const out: Record<string, unknown> = {};
  const byName = node.byName;
  const rest = node.rest;
  for (let i = 0; i < keys.length; i++) {
    const name = keys[i] as string;
    const rule = byName.size === 0 ? rest : (byName.get(name) ?? rest);
    if (rule !== DROP && !FORBIDDEN.has(name)) put(out, name, rule, source[name]);
  }
  return out;
}

/** Adds member `name` (never a forbidden name, never `DROP`) to `out`, selected by `rule`. */
function put(out: Record<string, unknown>, name: string, rule: Rule, child: unknown): void {
  // JSON.stringify leaves a function member out, but one named toJSON on an object we build
  // would be called when the output is serialised (a toJSON() that returns such an object).
  if (child === undefined || (typeof child === 'function' && name === 'toJSON')) return;
  if (rule === KEEP) out[name] = child;
  else if (rule !== DROP) {
    const result = applyNode(rule, child, name);
    if (result !== OMIT) out[name] = result;
  }
}

function applyArray(node: PlanNode, items: readonly unknown[]): unknown[] {
  const length = items.length;
  const out: unknown[] = new Array(length);
  const pick = node.rest === DROP;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const item = items[i];
    let result: unknown;
    if (item === null || typeof item !== 'object') result = scalar(node, item);
    else if (Array.isArray(item)) result = applyArray(node, item);
    else {
      // The common case, a list of plain objects under a specialised pick node.
      result = pick ? fastPick(node, item) : SLOW;
      if (result === SLOW) result = applyObject(node, item, i);
    }
    if (result !== OMIT) out[n++] = result;
  }
  if (n !== length) out.length = n;
  return out;
}
