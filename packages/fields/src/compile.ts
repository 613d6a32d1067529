import { isProblemError } from '@expresskit/core';
import { canonicalMask, createNode, isEmptyNode, type MaskNode, parseMask } from './parse.js';
import { type Budget, firstRejected, intersect, KEEP, planOf, planSize, type Rule, subtract } from './plan.js';
import { type FieldPolicy, fail, type ResolvedPolicy, resolvePolicy } from './policy.js';
import { forParameter, maskError, quote } from './problems.js';
import { applyPlan } from './select.js';

/** A mask: one string, the values of a repeated parameter, or nothing (select everything). */
export type FieldMask = string | readonly string[] | null | undefined;

/** Options of `compileFields` and `selectFields`. */
export interface CompileOptions extends FieldPolicy {
  /**
   * Paths to leave out, in mask syntax. Exclusion wins over selection: `fields=a&exclude=a/b`
   * sends `a` without `b`.
   * @default none
   */
  exclude?: FieldMask;
}

/** A compiled, reusable selector. */
export interface CompiledFields {
  /** Canonical form of the selection (`b,a` → `a,b`), `null` when everything is selected. */
  readonly fields: string | null;
  /** Canonical form of the exclusion, `null` when nothing is excluded. */
  readonly exclude: string | null;
  /**
   * An unambiguous cache key for the selection and exclusion together, in query-string form
   * (`fields=a%2Cb(c)&exclude=d`); `''` when the client selected and excluded nothing.
   */
  readonly key: string;
  /** True when `select` returns its argument unchanged (nothing selected, excluded or denied). */
  readonly identity: boolean;
  /** Applies the selection to a value (see the README for arrays, scalars and `toJSON`). */
  select(value: unknown): unknown;
}

/** The query-parameter names errors are reported under. */
export interface ParameterNames {
  readonly fields: string;
  readonly exclude: string;
}

const DEFAULT_NAMES: ParameterNames = { fields: 'fields', exclude: 'exclude' };

/** A request's parsed masks, before planning: what the canonical cache key is computed from. */
export interface PreparedMasks {
  readonly fields: MaskNode | null;
  readonly exclude: MaskNode | null;
  readonly key: string;
  readonly canonicalFields: string | null;
  readonly canonicalExclude: string | null;
}

/**
 * Parses and checks a client's `fields` and `exclude` values under `policy`. Throws the
 * `invalid-parameter` problem (with `parameter`, `rule`, `offset`) for a mask it cannot accept.
 */
export function prepareMasks(
  policy: ResolvedPolicy,
  fields: readonly string[] | null,
  exclude: readonly string[] | null,
  names: ParameterNames = DEFAULT_NAMES,
): PreparedMasks {
  const counter = { selectors: 0 };
  const fieldsRoot = parseAll(fields, policy, counter, names.fields);
  const excludeRoot = parseAll(exclude, policy, counter, names.exclude);
  if (policy.strict) {
    const checks: Array<[MaskNode | null, Rule | null, 'allow' | 'deny', string]> = [
      [fieldsRoot, policy.allow, 'allow', names.fields],
      [fieldsRoot, policy.deny, 'deny', names.fields],
      [excludeRoot, policy.allow, 'allow', names.exclude],
    ];
    for (const [root, limit, mode, parameter] of checks) {
      if (root === null || limit === null) continue;
      const rejected = firstRejected(root, limit, mode);
      if (rejected === undefined) continue;
      const count = (parameter === names.fields ? fields : exclude)?.length ?? 1;
      const error = maskError(
        'unknown-field',
        rejected.offset,
        `${quote(rejected.path)} (offset ${rejected.offset}) is not a field that can be selected`,
      );
      throw forParameter(error, parameter, rejected.occurrence, count);
    }
  }
  const canonicalFields = fieldsRoot === null ? null : canonicalMask(fieldsRoot);
  const canonicalExclude = excludeRoot === null ? null : canonicalMask(excludeRoot);
  const parts: string[] = [];
  if (canonicalFields !== null) parts.push(`fields=${encodeURIComponent(canonicalFields)}`);
  if (canonicalExclude !== null) parts.push(`exclude=${encodeURIComponent(canonicalExclude)}`);
  return { fields: fieldsRoot, exclude: excludeRoot, key: parts.join('&'), canonicalFields, canonicalExclude };
}

function parseAll(
  texts: readonly string[] | null,
  policy: ResolvedPolicy,
  counter: { selectors: number },
  parameter: string,
): MaskNode | null {
  if (texts === null || texts.length === 0) return null;
  const root = createNode();
  // Repeated values count together against maxLength, as if joined by commas.
  let total = texts.length - 1;
  for (const text of texts) total += text.length;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i] ?? '';
    try {
      if (total > policy.limits.maxLength && texts.length > 1) {
        throw maskError(
          'max-length',
          0,
          `${total} characters long together; at most ${policy.limits.maxLength} are accepted`,
        );
      }
      parseMask(text, policy.limits, root, counter, i);
    } catch (error) {
      if (!isProblemError(error)) throw error;
      throw forParameter(error, parameter, i, texts.length);
    }
  }
  return isEmptyNode(root) ? null : root;
}

/** Plans prepared masks into a selector. */
export function planMasks(policy: ResolvedPolicy, prepared: PreparedMasks, names = DEFAULT_NAMES): CompiledFields {
  const budget: Budget = { nodes: 0, max: policy.budget };
  let plan: Rule;
  try {
    plan = prepared.fields === null ? KEEP : planOf(prepared.fields, budget);
    if (prepared.fields !== null && policy.allow !== null) plan = intersect(plan, policy.allow, budget);
    if (prepared.exclude !== null) plan = subtract(plan, planOf(prepared.exclude, budget), budget);
    if (policy.deny !== null) plan = subtract(plan, policy.deny, budget);
  } catch (error) {
    if (!isProblemError(error)) throw error;
    throw forParameter(error, prepared.fields === null ? names.exclude : names.fields, 0, 1);
  }
  const final = plan;
  const selector: CompiledFields = {
    fields: prepared.canonicalFields,
    exclude: prepared.canonicalExclude,
    key: prepared.key,
    identity: final === KEEP,
    select: final === KEEP ? (value: unknown) => value : (value: unknown) => applyPlan(final, value),
  };
  sizes.set(selector, planSize(final));
  return selector;
}

const sizes = new WeakMap<CompiledFields, number>();

/** The size of a selector made by `planMasks`: its plan nodes and members (for a size-bounded cache). */
export function selectorSize(selector: CompiledFields): number {
  return sizes.get(selector) ?? 1;
}

/**
 * Compiles a mask once into a reusable selector: `compileFields('id,author(name)').select(body)`.
 * Throws a `ProblemError` (400, `type` `invalid-parameter`, members `parameter`, `rule`, `offset`)
 * for a mask it cannot accept, and `TypeError` for invalid options.
 */
export function compileFields(mask: FieldMask, options: CompileOptions = {}): CompiledFields {
  const policy = resolvePolicy(options, 'compileFields');
  const prepared = prepareMasks(policy, toTexts(mask, 'mask'), toTexts(options.exclude, 'exclude'));
  return planMasks(policy, prepared);
}

/**
 * Selects fields of `value` by `mask` (json-mask compatible: `selectFields(obj, 'a,b(c)')`). A
 * compiled selector may be passed instead of a string. `null`, `undefined` or an empty mask select
 * everything.
 */
export function selectFields(value: unknown, mask: FieldMask | CompiledFields, options?: CompileOptions): unknown {
  if (mask !== null && typeof mask === 'object' && !Array.isArray(mask)) {
    return (mask as CompiledFields).select(value);
  }
  return compileFields(mask as FieldMask, options).select(value);
}

function toTexts(mask: FieldMask, name: string): readonly string[] | null {
  if (mask === null || mask === undefined) return null;
  if (typeof mask === 'string') return [mask];
  if (Array.isArray(mask) && mask.every((text) => typeof text === 'string')) return mask;
  return fail('compileFields', name, 'a string, an array of strings, null or undefined', mask);
}
