import { isProblemError, type ProblemError } from '@expresskit/core';
import { describe, expect, it } from 'vitest';
import { canonicalMask, createNode, escapeName, type MaskLimits, parseMask } from './parse.js';

const limits: MaskLimits = { maxLength: 2048, maxDepth: 16, maxSelectors: 256 };

function canonical(...texts: string[]): string {
  const root = createNode();
  const counter = { selectors: 0 };
  texts.forEach((text, i) => {
    parseMask(text, limits, root, counter, i);
  });
  return canonicalMask(root);
}

function failure(text: string, custom: MaskLimits = limits): ProblemError {
  try {
    parseMask(text, custom, createNode(), { selectors: 0 });
  } catch (error) {
    if (isProblemError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('canonicalMask', () => {
  it.each([
    ['a', 'a'],
    ['b,a', 'a,b'],
    ['a,b,a', 'a,b'],
    ['a/b,a/c', 'a(b,c)'],
    ['a(c),a(b)', 'a(b,c)'],
    ['a(b)', 'a/b'],
    ['a/b/c', 'a/b/c'],
    ['a,a/b', 'a'],
    ['a/b,a', 'a'],
    ['a(b(c,d),e)', 'a(b(c,d),e)'],
    ['*', '*'],
    ['*(b,a)', '*(a,b)'],
    ['\\*', '\\*'],
    ['a\\/b', 'a\\/b'],
    ['x\\(y\\)', 'x\\(y\\)'],
    ['\\\\', '\\\\'],
    ['a*,*a', '*a,a*'],
    [',a,,b,', 'a,b'],
    ['', ''],
    [',', ''],
  ])('%j → %j', (mask, expected) => {
    expect(canonical(mask)).toBe(expected);
  });

  it('merges the values of a repeated parameter', () => {
    expect(canonical('b', 'a/x', 'a/y')).toBe('a(x,y),b');
  });

  it('round-trips: the canonical form parses to the same canonical form', () => {
    for (const mask of ['a(b(c,d),e)', '\\*,*/x', 'a\\,b/c', 'multi\nline(a)', 'x\\(y\\)/\\\\']) {
      const once = canonical(mask);
      expect(canonical(once)).toBe(once);
    }
  });

  it('escapes the syntax characters of names', () => {
    expect(escapeName('a,b/c(d)e\\f')).toBe('a\\,b\\/c\\(d\\)e\\\\f');
    expect(escapeName('*')).toBe('\\*');
    expect(escapeName('a*')).toBe('a*');
  });
});

describe('parseMask errors: 400 invalid-parameter with the rule and the character offset', () => {
  it.each([
    ['a(b', 3, 'missing ")" for the "(" at offset 1'],
    ['a)', 1, 'unexpected ")" without a matching "("'],
    ['a()', 2, 'empty sub-selection "()" opened at offset 1'],
    ['a(,)', 3, 'empty sub-selection "()" opened at offset 1'],
    ['a/', 2, 'expected a field name after "/", found the end of the mask'],
    ['/a', 0, 'expected a field name before "/"'],
    ['a//b', 2, 'expected a field name before "/"'],
    ['a/,b', 2, 'expected a field name after "/", found ","'],
    ['a(b/)', 4, 'expected a field name after "/", found ")"'],
    ['(a)', 0, 'expected a field name before "("'],
    ['a((b))', 2, 'expected a field name before "("'],
    ['a(b)c', 4, 'expected "," or ")" after ")"'],
    ['a(b)/c', 4, '"/" cannot follow ")"'],
    ['a(b)(c)', 4, '"(" cannot follow ")"'],
    ['ab\\', 2, 'the mask ends with an unfinished "\\" escape'],
    ['a(b(c)', 6, 'missing ")" for the "(" at offset 1'],
  ])('%j → offset %i', (mask, offset, message) => {
    const error = failure(mask);
    expect(error.status).toBe(400);
    expect(error.type).toBe('tag:expresskit.dev,2026:invalid-parameter');
    expect(error.extensions).toEqual({ rule: 'syntax', offset });
    expect(error.detail).toBe(`syntax error at offset ${offset}: ${message}`);
  });

  it('rejects a mask longer than maxLength before reading it', () => {
    const error = failure('a'.repeat(11), { ...limits, maxLength: 10 });
    expect(error.extensions).toEqual({ rule: 'max-length', offset: 10 });
    expect(error.detail).toBe('11 characters long; at most 10 are accepted');
  });

  it('rejects nesting deeper than maxDepth, through "/" and "(" alike, at the offending name', () => {
    expect(failure('a/b/c/d', { ...limits, maxDepth: 3 }).extensions).toEqual({ rule: 'max-depth', offset: 6 });
    expect(failure('a(b(c(d)))', { ...limits, maxDepth: 3 }).extensions).toEqual({ rule: 'max-depth', offset: 6 });
    expect(failure('a(b/c(d))', { ...limits, maxDepth: 3 }).extensions).toEqual({ rule: 'max-depth', offset: 6 });
  });

  it('accepts exactly maxDepth levels, and siblings do not add depth', () => {
    expect(canonical('a/b/c,x/y/z,a(b(c))')).toBe('a/b/c,x/y/z');
    const root = createNode();
    parseMask('a(b(c)),d(e(f)),g/h/i', { ...limits, maxDepth: 3 }, root, { selectors: 0 });
    expect(canonicalMask(root)).toBe('a/b/c,d/e/f,g/h/i');
  });

  it('rejects more than maxSelectors names, counted across repeated values', () => {
    expect(failure('a,b,c,d', { ...limits, maxSelectors: 3 }).extensions).toEqual({
      rule: 'max-selectors',
      offset: 6,
    });
    const counter = { selectors: 0 };
    const root = createNode();
    parseMask('a,b', { ...limits, maxSelectors: 3 }, root, counter);
    expect(() => parseMask('c/d', { ...limits, maxSelectors: 3 }, root, counter, 1)).toThrow(
      'names more than 3 fields (offset 2)',
    );
  });
});
