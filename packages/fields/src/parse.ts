import { maskError } from './problems.js';

/**
 * One node of a parsed mask. The root node is the (unnamed) top level; each named member is a
 * child. `all` means the whole value at this path is selected, which dominates any sub-selection
 * (`a,a/b` selects all of `a`).
 */
export interface MaskNode {
  all: boolean;
  /** Named members, by their unescaped name. A `Map`, so no name can reach a prototype. */
  readonly keys: Map<string, MaskNode>;
  /** The `*` member: every member of the object. */
  star: MaskNode | null;
  /** Where the name that created this node starts, for error reports. */
  readonly offset: number;
  /** Which value of a repeated parameter the name came from. */
  readonly occurrence: number;
}

/** The limits a mask is parsed under. */
export interface MaskLimits {
  readonly maxLength: number;
  readonly maxDepth: number;
  readonly maxSelectors: number;
}

export function createNode(offset = 0, occurrence = 0): MaskNode {
  return { all: false, keys: new Map(), star: null, offset, occurrence };
}

/** True when nothing at all was named (an empty mask, or only commas). */
export function isEmptyNode(node: MaskNode): boolean {
  return !node.all && node.star === null && node.keys.size === 0;
}

const COMMA = 44;
const SLASH = 47;
const OPEN = 40;
const CLOSE = 41;
const BACKSLASH = 92;

/** What the parser may see next. */
const ITEM = 0; // start of a list item: a name, or `,`/`)` for an empty item
const NAMED = 1; // just read a name: `/`, `(`, `,`, `)` or the end
const SLASHED = 2; // just read `/`: a name must follow
const CLOSED = 3; // just read `)`: `,`, `)` or the end

interface Group {
  readonly base: MaskNode;
  readonly depth: number;
  readonly open: number;
  names: number;
}

/**
 * Parses one mask (json-mask / Google partial-response syntax) into `root`, merging with whatever
 * `root` already holds, so repeated values of a parameter add up. Iterative, with an explicit
 * stack of open groups: the input cannot exhaust the call stack. `counter.selectors` is shared by
 * all values of one request, so the limit holds across repeated parameters.
 *
 * Grammar: `list := item ("," item)*`, `item := name ("/" name)* ("(" list ")")?`, a name is any
 * run of characters other than `, / ( )`, with `\` escaping the next character; an unescaped `*`
 * alone is the wildcard. Empty items (`a,,b`, a leading or trailing comma) are skipped; an empty
 * group `a()` is an error.
 *
 * Throws the `invalid-parameter` problem (`rule`, `offset`) for a mask it cannot accept.
 */
export function parseMask(
  text: string,
  limits: MaskLimits,
  root: MaskNode,
  counter: { selectors: number },
  occurrence = 0,
): void {
  if (text.length > limits.maxLength) {
    throw maskError(
      'max-length',
      limits.maxLength,
      `${text.length} characters long; at most ${limits.maxLength} are accepted`,
    );
  }
  const groups: Group[] = [];
  let base = root; // the node the current item's first name is a member of
  let baseDepth = 0;
  let cur = root;
  let depth = 0;
  let state = ITEM;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === COMMA) {
      if (state === SLASHED) throw syntax(i, 'expected a field name after "/", found ","');
      if (state === NAMED) cur.all = true;
      cur = base;
      depth = baseDepth;
      state = ITEM;
      i++;
    } else if (ch === SLASH) {
      if (state !== NAMED) {
        throw syntax(i, state === CLOSED ? '"/" cannot follow ")"' : 'expected a field name before "/"');
      }
      state = SLASHED;
      i++;
    } else if (ch === OPEN) {
      if (state !== NAMED)
        throw syntax(i, state === CLOSED ? '"(" cannot follow ")"' : 'expected a field name before "("');
      groups.push({ base, depth: baseDepth, open: i, names: 0 });
      base = cur;
      baseDepth = depth;
      state = ITEM;
      i++;
    } else if (ch === CLOSE) {
      if (state === SLASHED) throw syntax(i, 'expected a field name after "/", found ")"');
      const group = groups.pop();
      if (group === undefined) throw syntax(i, 'unexpected ")" without a matching "("');
      if (group.names === 0) throw syntax(i, `empty sub-selection "()" opened at offset ${group.open}`);
      if (state === NAMED) cur.all = true;
      base = group.base;
      baseDepth = group.depth;
      cur = base;
      depth = baseDepth;
      state = CLOSED;
      i++;
    } else {
      if (state === CLOSED) throw syntax(i, 'expected "," or ")" after ")"');
      // state is ITEM or SLASHED: read a name.
      const start = i;
      let name = '';
      let run = i;
      let escaped = false;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === SLASH || c === OPEN || c === CLOSE) break;
        if (c === BACKSLASH) {
          if (i + 1 >= n) throw syntax(i, 'the mask ends with an unfinished "\\" escape');
          name += text.slice(run, i) + text.charAt(i + 1);
          escaped = true;
          i += 2;
          run = i;
        } else {
          i++;
        }
      }
      name += text.slice(run, i);
      depth++;
      if (depth > limits.maxDepth) {
        throw maskError('max-depth', start, `nested deeper than ${limits.maxDepth} levels at offset ${start}`);
      }
      counter.selectors++;
      if (counter.selectors > limits.maxSelectors) {
        throw maskError('max-selectors', start, `names more than ${limits.maxSelectors} fields (offset ${start})`);
      }
      for (const group of groups) group.names++;
      if (name === '*' && !escaped) {
        cur.star ??= createNode(start, occurrence);
        cur = cur.star;
      } else {
        let child = cur.keys.get(name);
        if (child === undefined) {
          child = createNode(start, occurrence);
          cur.keys.set(name, child);
        }
        cur = child;
      }
      state = NAMED;
    }
  }
  if (state === SLASHED) throw syntax(n, 'expected a field name after "/", found the end of the mask');
  const open = groups.at(-1);
  if (open !== undefined) throw syntax(n, `missing ")" for the "(" at offset ${open.open}`);
  if (state === NAMED) cur.all = true;
}

function syntax(offset: number, message: string) {
  return maskError('syntax', offset, `syntax error at offset ${offset}: ${message}`);
}

/** Escapes a member name for the canonical mask: the syntax characters, and a name that is `*`. */
export function escapeName(name: string): string {
  if (name === '*') return '\\*';
  // Most names have nothing to escape: look before building a copy.
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x2c || code === 0x2f || code === 0x28 || code === 0x29 || code === 0x5c) {
      return name.replace(/[,/()\\]/g, '\\$&');
    }
  }
  return name;
}

/**
 * The canonical text of a parsed mask: members sorted, repeated paths merged, a member whose whole
 * value is selected written without its (redundant) sub-selection, a single sub-member written with
 * `/`. Two masks with the same canonical text select the same fields (`b,a` ≡ `a,b` ≡ `a,b,a`).
 * Recursion here is bounded by `maxDepth`, which the parser enforces.
 */
export function canonicalMask(node: MaskNode): string {
  const items: string[] = [];
  if (node.star !== null) items.push(canonicalItem('*', node.star));
  for (const [name, child] of node.keys) items.push(canonicalItem(escapeName(name), child));
  items.sort();
  return items.join(',');
}

function canonicalItem(name: string, node: MaskNode): string {
  if (node.all) return name;
  const count = node.keys.size + (node.star === null ? 0 : 1);
  const inner = canonicalMask(node);
  return count === 1 ? `${name}/${inner}` : `${name}(${inner})`;
}
