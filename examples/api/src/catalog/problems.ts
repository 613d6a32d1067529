import { ProblemError, problemType } from '@expresskit/core';

/** Where a bad value came from: the query string, the path or the JSON body. */
export type Source = 'query' | 'path' | 'body';

const TITLES: Readonly<Record<Source, string>> = {
  query: 'Invalid query parameter',
  path: 'Invalid path parameter',
  body: 'Invalid request body',
};

/**
 * The 400 every validation failure becomes: `invalid-parameter` problem details naming the
 * parameter (or body member) and the rule it broke, the same shape the expresskit packages use,
 * so clients handle `?limit=abc`, `?fields=a(` and `{"price":-1}` with one code path. Body members
 * also get a JSON Pointer (`/price`, RFC 6901) to the offending member.
 */
export function invalidParameter(
  source: Source,
  parameter: string,
  rule: string,
  detail: string,
  extra: Readonly<Record<string, unknown>> = {},
): ProblemError {
  return new ProblemError(400, {
    type: problemType('invalid-parameter'),
    title: TITLES[source],
    detail,
    extensions: {
      parameter,
      rule,
      ...(source === 'body' ? { pointer: jsonPointer(parameter) } : {}),
      ...extra,
    },
  });
}

/** RFC 6901: `''` is the whole document, `/price` its `price` member. */
function jsonPointer(member: string): string {
  return member === '' ? '' : `/${member.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
