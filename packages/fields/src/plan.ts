import type { MaskNode } from './parse.js';
import { maskError } from './problems.js';

/**
 * A compiled plan says what to do with the value at one path:
 * - `KEEP`: send it as it is (nothing below is selected away);
 * - `DROP`: leave the member out;
 * - a `PlanNode`: build a new object (or map an array element by element) from its members.
 */
export const KEEP = 1;
export const DROP = 0;
export type Rule = typeof KEEP | typeof DROP | PlanNode;

export interface Member {
  readonly name: string;
  readonly rule: Rule;
}

export interface PlanNode {
  /** Members with their own rule, sorted by name; never a forbidden name, never `DROP` when `rest` is `DROP`. */
  readonly members: readonly Member[];
  /** The same members by name (for objects walked key by key when `rest` is not `DROP`). */
  readonly byName: ReadonlyMap<string, Rule>;
  /** The rule for every other member. `DROP` makes this a *pick* node: only `members` are read. */
  readonly rest: Rule;
  /** Objects this pick node has been applied to, until it is specialised (see `specialize.ts`). */
  hits: number;
  /** The specialised selector of this pick node, once built. */
  fast: ((value: object, members: readonly Member[]) => unknown) | null;
  /** The members' names and which have a sub-plan, as a key (see `specialize.ts`), once computed. */
  signature: string | null;
}

/** Never read from the input, never written to the output. */
export const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Counts plan nodes so wildcards merged into many members cannot blow a small mask up. */
export interface Budget {
  nodes: number;
  readonly max: number;
}

function node(budget: Budget, entries: Map<string, Rule>, rest: Rule): Rule {
  const members: Member[] = [];
  for (const [name, rule] of entries) {
    if (FORBIDDEN.has(name) || rule === rest) continue;
    members.push({ name: internalize(name), rule });
  }
  if (members.length === 0 && rest === KEEP) return KEEP;
  if (++budget.nodes > budget.max) {
    throw maskError(
      'max-selectors',
      0,
      `expands to more than ${budget.max} selectors (wildcards combined with named fields)`,
    );
  }
  members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { members, byName: new Map(members.map((m) => [m.name, m.rule])), rest, hits: 0, fast: null, signature: null };
}

/**
 * The engine's canonical copy of a name (a property key read back from an object), so member
 * lookups compare by identity instead of by content (names sliced out of a mask are not). Copies
 * of names up to 128 characters are kept in a table of at most 4096 (emptied when full, so hostile
 * masks cannot grow it):
 * the same names come back with every request, and a lookup costs less than the round trip
 * through an object.
 */
function internalize(name: string): string {
  const known = internalized.get(name);
  if (known !== undefined) return known;
  const copy = Object.keys({ [name]: 0 })[0] ?? name;
  // Long names are not kept: the table stays under 4096 × 128 characters whatever clients send.
  if (copy.length > MAX_KEPT_LENGTH) return copy;
  if (internalized.size >= MAX_INTERNALIZED) internalized.clear();
  internalized.set(copy, copy);
  return copy;
}

const internalized = new Map<string, string>();
const MAX_INTERNALIZED = 4096;
const MAX_KEPT_LENGTH = 128;

function ruleOf(rule: PlanNode, name: string): Rule {
  return rule.byName.get(name) ?? rule.rest;
}

function names(a: PlanNode, b?: PlanNode): Set<string> {
  const set = new Set(a.byName.keys());
  if (b !== undefined) for (const name of b.byName.keys()) set.add(name);
  return set;
}

/** The plan of a parsed mask: the paths it names are kept, everything else dropped. */
export function planOf(mask: MaskNode, budget: Budget): Rule {
  if (mask.all) return KEEP;
  const rest = mask.star === null ? DROP : planOf(mask.star, budget);
  const entries = new Map<string, Rule>();
  for (const [name, child] of mask.keys) {
    if (!FORBIDDEN.has(name)) entries.set(name, union(planOf(child, budget), rest, budget));
  }
  return node(budget, entries, rest);
}

/** What either plan keeps (repeated paths and wildcards add up). */
export function union(a: Rule, b: Rule, budget: Budget): Rule {
  if (a === KEEP || b === KEEP) return KEEP;
  if (a === DROP) return b;
  if (b === DROP) return a;
  const entries = new Map<string, Rule>();
  for (const name of names(a, b)) entries.set(name, union(ruleOf(a, name), ruleOf(b, name), budget));
  return node(budget, entries, union(a.rest, b.rest, budget));
}

/** What both plans keep (a client's selection limited by the `allow` list). */
export function intersect(a: Rule, b: Rule, budget: Budget): Rule {
  if (a === DROP || b === DROP) return DROP;
  if (a === KEEP) return b;
  if (b === KEEP) return a;
  const entries = new Map<string, Rule>();
  for (const name of names(a, b)) entries.set(name, intersect(ruleOf(a, name), ruleOf(b, name), budget));
  return node(budget, entries, intersect(a.rest, b.rest, budget));
}

/**
 * `keep` without what `removed` names, where `removed` is the plan of an exclusion mask (its
 * `KEEP` means "remove all of this", its `DROP` "remove nothing here").
 */
export function subtract(keep: Rule, removed: Rule, budget: Budget): Rule {
  if (removed === KEEP || keep === DROP) return DROP;
  if (removed === DROP) return keep;
  if (keep === KEEP) {
    const entries = new Map<string, Rule>();
    for (const [name, rule] of removed.byName) entries.set(name, subtract(KEEP, rule, budget));
    return node(budget, entries, subtract(KEEP, removed.rest, budget));
  }
  const entries = new Map<string, Rule>();
  const all = keep.rest === DROP ? names(keep) : names(keep, removed);
  for (const name of all) entries.set(name, subtract(ruleOf(keep, name), ruleOf(removed, name), budget));
  return node(budget, entries, subtract(keep.rest, removed.rest, budget));
}

/**
 * The leftmost explicitly named path of `mask` that `limit` does not let through, for strict mode:
 * with `mode: 'allow'` a path the allow plan drops, with `mode: 'deny'` a path the deny plan
 * removes entirely. Wildcards are not checked (`*` simply skips what is not selectable).
 */
export function firstRejected(mask: MaskNode, limit: Rule, mode: 'allow' | 'deny'): Rejected | undefined {
  const rejected = mode === 'allow' ? DROP : KEEP;
  let first: Rejected | undefined;
  const stack: Array<{ mask: MaskNode; limit: Rule; path: string }> = [{ mask, limit, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { limit: here } = item;
    if (typeof here === 'number') continue;
    for (const [name, child] of item.mask.keys) {
      const path = item.path === '' ? name : `${item.path}/${name}`;
      const rule = FORBIDDEN.has(name) ? rejected : ruleOf(here, name);
      if (rule !== rejected) stack.push({ mask: child, limit: rule, path });
      else if (
        first === undefined ||
        child.occurrence < first.occurrence ||
        (child.occurrence === first.occurrence && child.offset < first.offset)
      ) {
        first = { path, offset: child.offset, occurrence: child.occurrence };
      }
    }
  }
  return first;
}

export interface Rejected {
  readonly path: string;
  readonly offset: number;
  readonly occurrence: number;
}

/** Plan nodes plus members, each shared node counted once: what a plan holds in memory. */
export function planSize(rule: Rule): number {
  let size = 1;
  const seen = new Set<PlanNode>();
  const stack: Rule[] = [rule];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === 'number' || seen.has(item)) continue;
    seen.add(item);
    size += 1 + item.members.length;
    stack.push(item.rest);
    for (const member of item.members) stack.push(member.rule);
  }
  return size;
}
