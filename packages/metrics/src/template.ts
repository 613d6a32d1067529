/** A key of an Express 4 (path-to-regexp 0.1) layer: the name of one capture group. */
export interface RegExpKey {
  name: string | number;
}

/** Index of the `)` that closes the group opening at `start`, or -1. */
function closingParen(source: string, start: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Recovers the path pattern of an Express 4 layer from the regular expression path-to-regexp 0.1
 * compiled it into (Express 4 keeps no copy of the string): `^\/orgs(?:\/([^\/]+?))\/?(?=\/|$)`
 * with key `org` becomes `/orgs/:org`. Named parameters become `:name` (custom patterns such as
 * `:id(\d+)` lose the pattern), `*` stays `*`, optional groups keep their `?`. A regular
 * expression the user wrote (not produced by path-to-regexp) is returned as its source text.
 */
export function patternFromRegExp(regexp: RegExp, keys: readonly RegExpKey[]): string {
  const source = regexp.source;
  const generated = /(?:\(\?=\\\/\|\$\)|\(\?:\\\/\|\$\)|\$)$/.test(source);
  if (!source.startsWith('^') || !generated) return String(regexp);
  let out = '';
  let key = 0;
  const groups: string[] = [];
  for (let i = 1; i < source.length; i++) {
    const char = source[i] ?? '';
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (next === '/' && source[i + 1] === '?') {
        i++; // the optional trailing slash path-to-regexp adds
        continue;
      }
      out += next;
    } else if (char === '(') {
      const end = closingParen(source, i);
      if (end === -1) return String(regexp);
      const head = source.slice(i, i + 3);
      if (head === '(?=' || head === '(?!') {
        i = end; // lookahead: the end-of-segment assertion
      } else if (head === '(?:') {
        if (source.slice(i, end + 1) === '(?:\\/|$)') {
          i = end;
          continue;
        }
        groups.push('(?:');
        i += 2;
      } else {
        const name = keys[key]?.name;
        key++;
        out += typeof name === 'string' ? `:${name}` : '*';
        i = end;
      }
    } else if (char === ')') {
      groups.pop();
      if (source[i + 1] === '?') {
        out += '?';
        i++;
      }
    } else if (char === '$') {
      // end anchor
    } else {
      out += char;
    }
  }
  return out === '' ? '/' : out;
}

/**
 * Joins the patterns of the mount points a request went through with the pattern of the route
 * that handled it: `['/api/v1', '/orgs/:org']` + `/users/:id` → `/api/v1/orgs/:org/users/:id`.
 * A mount at `/` adds nothing; a route `/` under a prefix is the prefix itself.
 */
export function joinTemplate(mounts: readonly string[], route: string): string {
  let prefix = '';
  for (const mount of mounts) {
    const trimmed = mount.endsWith('/') ? mount.slice(0, -1) : mount;
    prefix += trimmed;
  }
  if (route === '/' || route === '') return prefix === '' ? '/' : prefix;
  return `${prefix}${route.startsWith('/') ? route : `/${route}`}`;
}
