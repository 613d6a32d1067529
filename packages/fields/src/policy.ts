import { isProblemError } from '@expresskit/core';
import { createNode, isEmptyNode, type MaskLimits, parseMask } from './parse.js';
import { type Budget, DROP, planOf, type Rule } from './plan.js';

/** Limits on a client's mask. Every one is checked before any work proportional to it is done. */
export interface FieldLimits {
  /**
   * Longest accepted mask, in characters (repeated parameters count together, joined by `,`).
   * @default 2048
   */
  maxLength?: number;
  /** Deepest accepted nesting (`a/b/c` and `a(b(c))` are both depth 3). @default 16 */
  maxDepth?: number;
  /** Most field names a mask may contain (`a/b,c` has 3). @default 256 */
  maxSelectors?: number;
}

/** The server-side rules a client's selection is held to. */
export interface FieldPolicy extends FieldLimits {
  /**
   * Paths a client can never receive, whatever it selects (secrets such as `password`), in mask
   * syntax relative to the selection root: `'password,tokens,*\/secret'`. They are removed from
   * every response the selection applies to, with or without `?fields=`.
   * @default none
   */
  deny?: string | readonly string[];
  /**
   * The paths a client may select, in mask syntax (`'id,name,author(id,name)'`). A selection is
   * limited to them; without `?fields=` the response is not restricted.
   * @default every path
   */
  allow?: string | readonly string[];
  /**
   * Answer 400 (`rule: 'unknown-field'`) when the client names a path outside `allow` or inside
   * `deny`, instead of leaving it out silently. Needs `allow` or `deny`.
   * @default false
   */
  strict?: boolean;
}

export interface ResolvedPolicy {
  readonly limits: MaskLimits;
  readonly allow: Rule | null;
  readonly deny: Rule | null;
  readonly strict: boolean;
  /** Plan nodes a single request may expand to. */
  readonly budget: number;
}

/** Validates the policy options (`TypeError` naming `owner` and the option) and compiles deny/allow once. */
export function resolvePolicy(options: FieldPolicy, owner: string): ResolvedPolicy {
  const limits: MaskLimits = {
    maxLength: integer(options.maxLength, 2048, 'maxLength', owner, 1_000_000),
    maxDepth: integer(options.maxDepth, 16, 'maxDepth', owner, 256),
    maxSelectors: integer(options.maxSelectors, 256, 'maxSelectors', owner, 100_000),
  };
  const budget = Math.max(1024, limits.maxSelectors * 16);
  const deny = trustedPlan(options.deny, 'deny', owner);
  const allow = trustedPlan(options.allow, 'allow', owner);
  const strict = options.strict ?? false;
  if (typeof strict !== 'boolean') fail(owner, 'strict', 'a boolean', strict);
  if (strict && deny === null && allow === null) {
    fail(owner, 'strict', 'used with "allow" or "deny" (it rejects fields outside them)', strict);
  }
  return { limits, allow, deny, strict, budget };
}

function integer(value: number | undefined, fallback: number, name: string, owner: string, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    fail(owner, name, `an integer from 1 to ${max}`, value);
  }
  return value;
}

/** A mask written by the server (deny/allow): parsed without client limits, errors are TypeErrors. */
function trustedPlan(value: string | readonly string[] | undefined, name: string, owner: string): Rule | null {
  if (value === undefined) return null;
  const texts = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) {
    fail(owner, name, 'a mask string or an array of mask strings', value);
  }
  const root = createNode();
  const limits = { maxLength: Number.MAX_SAFE_INTEGER, maxDepth: 256, maxSelectors: Number.MAX_SAFE_INTEGER };
  for (const text of texts) {
    try {
      parseMask(text, limits, root, { selectors: 0 });
    } catch (error) {
      if (!isProblemError(error)) throw error;
      throw new TypeError(`${owner}: "${name}" is not a valid field mask (${error.detail ?? error.title})`);
    }
  }
  if (isEmptyNode(root)) {
    // An empty allow list would allow nothing, an empty deny list deny nothing: both are mistakes.
    fail(owner, name, 'a non-empty field mask', value);
  }
  const plan = planOf(root, { nodes: 0, max: Number.MAX_SAFE_INTEGER } satisfies Budget);
  return plan === DROP ? null : plan;
}

export function fail(owner: string, name: string, expected: string, got: unknown): never {
  throw new TypeError(`${owner}: "${name}" must be ${expected}, got ${describe(got)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}
