import { ProblemError, problemType } from '@expresskit/core';

/** The `rule` member of a pagination problem: which check a query parameter failed. */
export type PaginationRule =
  | 'single-value'
  | 'integer'
  | 'minimum'
  | 'maximum'
  | 'max-offset'
  | 'exclusive'
  | 'cursor-format'
  | 'cursor-signature'
  | 'cursor-version'
  | 'cursor-expired'
  | 'cursor-binding';

/**
 * A 400 `invalid-parameter` problem naming the query parameter and the rule it broke. `extra`
 * holds further extension members such as `minimum` or `maximum`.
 */
export function invalidParameter(
  parameter: string,
  rule: PaginationRule,
  detail: string,
  extra: Readonly<Record<string, unknown>> = {},
): ProblemError {
  return new ProblemError(400, {
    type: problemType('invalid-parameter'),
    title: 'Invalid query parameter',
    detail,
    extensions: { parameter, rule, ...extra },
  });
}

/** A client-supplied value quoted for an error message, cut short so a huge value cannot bloat it. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
