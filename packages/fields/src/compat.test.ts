import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFields, selectFields } from './compile.js';

interface Case {
  id: number;
  mask: string | null;
  input: unknown;
  expected: unknown;
}

const file = JSON.parse(readFileSync(new URL('./testing/json-mask-cases.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: Case[];
};

describe('json-mask compatibility (the 45 cases of json-mask test/index-test.js)', () => {
  it('has all 45 cases, with their source attribution', () => {
    expect(file.cases).toHaveLength(45);
    expect(file.source).toContain('json-mask (MIT license)');
  });

  it.each(file.cases.map((c) => [c.id, JSON.stringify(c.mask), c] as const))('case %i: mask %s', (_id, _mask, c) => {
    expect(selectFields(c.input, c.mask)).toEqual(c.expected);
  });

  it.each(file.cases.map((c) => [c.id, c] as const))('case %i through a compiled selector and JSON', (_id, c) => {
    const compiled = compileFields(c.mask);
    expect(JSON.parse(JSON.stringify(compiled.select(c.input)) ?? 'null')).toEqual(c.expected);
  });
});
