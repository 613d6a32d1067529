import { DROP, KEEP, type Member, type PlanNode, type Rule } from './plan.js';
import { SLOW, specialize } from './specialize.js';

/** A pick node is specialised once it has been applied to this many objects (see `specialize.ts`). */
const SPECIALIZE_AFTER = 64;

const isEnumerable = Object.prototype.propertyIsEnumerable;

/** Returned for a value a *pick* node cannot apply to (a string, number or boolean): leave it out. */
const OMIT: unique symbol = Symbol('omit');

/**
 * Applies a compiled plan to a value, the way `JSON.stringify` would see it: `toJSON()` is called
 * first, only own enumerable properties are read, `__proto__`/`constructor`/`prototype` are never
 * read or written, arrays are mapped element by element. A value at the top that is not an object
 * or array is returned unchanged.
 */
export function applyPlan(rule: Rule, value: unknown): unknown {
  if (typeof rule === 'number') return rule === KEEP ? value : undefined;
  const result = applyNode(rule, value, '');
  return result === OMIT ? value : result;
}

function applyNode(node: PlanNode, input: unknown, key: string | number): unknown {
  if (input === null || typeof input !== 'object') {
    // A sub-selection of a scalar: a pick node has nothing to pick (the member is left out, as
    // json-mask does); a keep-everything-but node keeps it; `null` is kept (json-mask too).
    return input === null || input === undefined || node.rest !== DROP ? input : OMIT;
  }
  if (Array.isArray(input)) return applyArray(node, input);
  if (node.rest === DROP) {
    let fast = node.fast;
    if (fast === null && ++node.hits >= SPECIALIZE_AFTER) {
      fast = specialize(node, applyNode, OMIT);
      node.fast = fast;
    }
    if (fast !== null) {
      const result = fast(input);
      if (result !== SLOW) return result;
    }
  }
  let value: object = input;
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value, typeof key === 'number' ? String(key) : key);
    if (json === null || typeof json !== 'object') return node.rest !== DROP || json === null ? json : OMIT;
    if (Array.isArray(json)) return applyArray(node, json);
    value = json;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && isBoxed(value)) return node.rest !== DROP ? value : OMIT;
  return node.rest === DROP
    ? pick(node, value as Record<string, unknown>)
    : walk(node, value as Record<string, unknown>);
}

/** `new String('x')` and friends serialise as their primitive: never walk them. */
function isBoxed(value: object): boolean {
  return value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt;
}

/** A pick node reads only its members (a handful of lookups, whatever the size of the object). */
function pick(node: PlanNode, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const members = node.members;
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as Member;
    const name = member.name;
    const child = source[name];
    if (child === undefined || !isEnumerable.call(source, name)) continue;
    const rule = member.rule;
    if (rule === KEEP) out[name] = child;
    else if (rule !== DROP) {
      const result = applyNode(rule, child, name);
      if (result !== OMIT) out[name] = result;
    }
  }
  return out;
}

/** Every other node walks the object's own enumerable keys. */
function walk(node: PlanNode, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byName = node.byName;
  const rest = node.rest;
  for (const name of Object.keys(source)) {
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
    const rule = byName.size === 0 ? rest : (byName.get(name) ?? rest);
    if (rule === DROP) continue;
    const child = source[name];
    if (child === undefined) continue;
    if (rule === KEEP) out[name] = child;
    else {
      const result = applyNode(rule, child, name);
      if (result !== OMIT) out[name] = result;
    }
  }
  return out;
}

function applyArray(node: PlanNode, items: readonly unknown[]): unknown[] {
  const length = items.length;
  const out: unknown[] = new Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const item = items[i];
    let result: unknown = SLOW;
    // The common case, a list of plain objects under a specialised pick node, skips applyNode.
    const fast = node.fast;
    if (fast !== null && item !== null && typeof item === 'object' && !Array.isArray(item)) result = fast(item);
    if (result === SLOW) result = applyNode(node, item, i);
    if (result !== OMIT) out[n++] = result;
  }
  if (n !== length) out.length = n;
  return out;
}
