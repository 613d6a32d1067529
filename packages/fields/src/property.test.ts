import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isProblemError } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFields, selectFields } from './compile.js';
import { fields } from './fields.js';

const RULES = ['syntax', 'max-length', 'max-depth', 'max-selectors'];

/** Masks made mostly of syntax characters and a few names, so that every parser state is reached. */
const maskChar = fc.constantFrom(',', '/', '(', ')', '\\', '*', 'a', 'b', 'c', ' ', '\n', '_', 'é', '😀');
const names = fc.constantFrom('a', 'b', 'c', '*', '__proto__', 'constructor', 'prototype', 'toString', 'a\\,b');
const tokenMask = fc
  .array(fc.oneof(names, fc.constantFrom(',', '/', '(', ')', '\\')), { maxLength: 40 })
  .map((parts) => parts.join(''));
const anyMask = fc.oneof(fc.string({ unit: maskChar, maxLength: 60 }), tokenMask, fc.string({ maxLength: 30 }));

const key = fc.constantFrom('a', 'b', 'c', '*', '__proto__', 'constructor', 'prototype', 'toString');
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, 0, '', 'str', true, 1.5),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

function outcome(mask: string, value: unknown): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: selectFields(value, mask, { maxDepth: 6, maxSelectors: 20, maxLength: 50 }) };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('random masks (fast-check)', () => {
  it('never throw anything but the documented 400 problem, with an offset inside the mask', () => {
    fc.assert(
      fc.property(anyMask, json, (mask, value) => {
        const result = outcome(mask, value);
        if (result.ok) {
          expect(() => JSON.stringify(result.value)).not.toThrow();
          return;
        }
        const { error } = result;
        expect(isProblemError(error)).toBe(true);
        if (!isProblemError(error)) return;
        expect(error.status).toBe(400);
        expect(error.type).toBe('tag:expresskit.dev,2026:invalid-parameter');
        expect(error.extensions.parameter).toBe('fields');
        expect(RULES).toContain(error.extensions.rule);
        const offset = error.extensions.offset;
        expect(Number.isInteger(offset)).toBe(true);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThanOrEqual(mask.length);
      }),
      { numRuns: 3000 },
    );
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it('the canonical form is stable and selects exactly what the mask selects', () => {
    fc.assert(
      fc.property(anyMask, json, (mask, value) => {
        let compiled: ReturnType<typeof compileFields>;
        try {
          compiled = compileFields(mask, { maxDepth: 6, maxSelectors: 20, maxLength: 50 });
        } catch (error) {
          expect(isProblemError(error)).toBe(true);
          return;
        }
        const canonical = compiled.fields ?? '';
        const again = compileFields(canonical, { maxDepth: 6, maxSelectors: 20, maxLength: 200 });
        expect(again.fields ?? '').toBe(canonical);
        expect(JSON.stringify(again.select(value))).toBe(JSON.stringify(compiled.select(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('the output never has a prototype other than Object.prototype or Array.prototype, nor own __proto__', () => {
    // Objects of the input kept whole are passed through by reference; every object the selection
    // built itself is checked.
    const collect = (value: unknown, into: Set<unknown>): Set<unknown> => {
      if (value !== null && typeof value === 'object') {
        into.add(value);
        for (const child of Object.values(value)) collect(child, into);
      }
      return into;
    };
    const walk = (value: unknown, input: Set<unknown>): void => {
      if (value === null || typeof value !== 'object' || input.has(value)) return;
      const proto: unknown = Object.getPrototypeOf(value);
      expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
      expect(Object.hasOwn(value, '__proto__')).toBe(false);
      expect(Object.hasOwn(value, 'constructor')).toBe(false);
      for (const child of Object.values(value)) walk(child, input);
    };
    fc.assert(
      fc.property(tokenMask, json, (mask, input) => {
        const hostile = JSON.parse(JSON.stringify(input).replaceAll('"a"', '"__proto__"'));
        const result = outcome(mask, hostile);
        if (result.ok) walk(result.value, collect(hostile, new Set()));
      }),
      { numRuns: 2000 },
    );
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe.each(expressMajors)('random query strings over HTTP on $name (fast-check)', ({ express }) => {
  const app = express();
  app.use(fields({ deny: 'secret', allow: 'a,b(c),*' }));
  app.get('/', (_req: Request, res: Response) => {
    res.json({ a: 1, b: { c: [1, { c: 2 }], d: 'x' }, secret: 's', __proto__x: 0 });
  });
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = app.listen(0);
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  // Query text: parameters (with qs bracket shapes) holding random masks, and raw junk.
  const name = fc.constantFrom('fields', 'exclude', 'fields[]', 'fields[0]', 'fields[x]', 'exclude[a][b]', 'other');
  const value = fc.oneof(anyMask.map(encodeURIComponent), anyMask, fc.constantFrom('%', '%5C', '%2', '&', '='));
  const query = fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}=${v}`) },
        { weight: 1, arbitrary: value },
      ),
      { maxLength: 4 },
    )
    .map((parts) => parts.join('&'));

  it('answer 200 with JSON or 400 with the problem, never anything else', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(query, async (text) => {
        const res = await request(url).get(`/?${text}`);
        statuses.add(res.status);
        if (res.status === 200) {
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(res.body).not.toHaveProperty('secret');
          return;
        }
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(res.body.type).toBe('tag:expresskit.dev,2026:invalid-parameter');
        expect(['fields', 'exclude']).toContain(res.body.parameter);
        expect([...RULES, 'type']).toContain(res.body.rule);
        expect(Number.isInteger(res.body.offset)).toBe(true);
      }),
      { numRuns: 150 },
    );
    // Both outcomes were reached: the generator makes valid and invalid selections alike.
    expect([...statuses].sort()).toEqual([200, 400]);
  });
});
