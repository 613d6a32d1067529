import { ProblemError, problemType } from '@expresskit/core';

/** The `rule` member of a field-selection problem: which check the mask failed. */
export type FieldsRule = 'type' | 'syntax' | 'max-length' | 'max-depth' | 'max-selectors' | 'unknown-field';

/**
 * The one error the pure API throws for a bad mask: a 400 `invalid-parameter` problem with the
 * `rule` it broke and the character `offset` (0-based, in UTF-16 code units) where it was found.
 * `reason` is completed into the `detail` by `forParameter`, which also adds `parameter` (and
 * `occurrence` when the parameter was repeated).
 */
export function maskError(
  rule: FieldsRule,
  offset: number,
  reason: string,
  extra: Readonly<Record<string, unknown>> = {},
): ProblemError {
  return new ProblemError(400, {
    type: problemType('invalid-parameter'),
    title: 'Invalid query parameter',
    detail: reason,
    extensions: { rule, offset, ...extra },
  });
}

/** The problem `error` (from `maskError`) about the query parameter `parameter`. */
export function forParameter(error: ProblemError, parameter: string, occurrence: number, count: number): ProblemError {
  const where = count > 1 ? ` (value ${occurrence + 1} of ${count})` : '';
  return new ProblemError(400, {
    type: error.type,
    title: error.title,
    detail: `Invalid field selection in "${parameter}"${where}: ${error.detail ?? error.title}`,
    extensions: { parameter, ...error.extensions, ...(count > 1 ? { occurrence } : {}) },
    cause: error,
  });
}

/** A client-supplied value quoted for an error message, cut short so a huge value cannot bloat it. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
