import { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { expressRequestPrototype, perPrototype } from './prototypes.js';

describe('expressRequestPrototype', () => {
  it('finds the object right above IncomingMessage.prototype, through any number of links', () => {
    const expressRequest = Object.create(IncomingMessage.prototype) as object;
    const appRequest = Object.create(expressRequest) as object;
    const mounted = Object.create(appRequest) as object;
    expect(expressRequestPrototype(mounted)).toBe(expressRequest);
    expect(expressRequestPrototype(expressRequest)).toBe(expressRequest);
    expect(expressRequestPrototype(IncomingMessage.prototype)).toBeUndefined();
    expect(expressRequestPrototype({})).toBeUndefined();
    expect(expressRequestPrototype(null)).toBeUndefined();
  });
});

describe('perPrototype', () => {
  it('answers once per prototype, whatever the order the objects come in', () => {
    const asked: (object | null)[] = [];
    const a = { name: 'a' };
    const b = { name: 'b' };
    const answer = perPrototype((proto) => {
      asked.push(proto);
      return proto === a;
    });
    const results = [a, b, a, a, b, null].map((proto) => answer(Object.create(proto) as object));
    expect(results).toEqual([true, false, true, true, false, false]);
    // null is asked once up front (the initial answer), then a and b once each.
    expect(asked).toEqual([null, a, b]);
  });
});
