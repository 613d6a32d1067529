import { describe, expect, it } from 'vitest';
import { encodeLoose, sampleHostileRequests } from './hostile-requests.js';
import type { FuzzContext } from './hostile-values.js';

const context: FuzzContext = {
  categories: ['kitchen', 'audio'],
  cursors: ['AXsiayI6WzFdfQ.c2lnbmF0dXJl'],
  etags: ['"de-B0mdvkMwVEiNzZv-Q46sAotougI"'],
};

describe('sampleHostileRequests', () => {
  it('generates the same requests for the same seed, and others for another seed', () => {
    const first = sampleHostileRequests(context, 42, 300);
    expect(sampleHostileRequests(context, 42, 300)).toEqual(first);
    expect(sampleHostileRequests(context, 43, 300)).not.toEqual(first);
  });

  it('covers every family, and only sends what a client library accepts outside the raw family', () => {
    const requests = sampleHostileRequests(context, 7, 1000);
    const families = new Set(requests.map((request) => request.family));
    expect([...families].sort()).toEqual(['item', 'list', 'ops', 'path', 'raw', 'write']);
    for (const request of requests) {
      if (request.raw !== undefined) continue;
      // Node's http.request refuses a target with control characters, spaces or anything above U+00FF.
      expect(request.path).toMatch(/^[\u0021-\u00ff]*$/);
      for (const [, value] of request.headers) expect(value).toMatch(/^[\t\u0020-\u007e\u0080-\u00ff]*$/);
    }
  });

  it('reaches the prototype keys, real cursors and oversized request lines', () => {
    const requests = sampleHostileRequests(context, 11, 1500);
    expect(requests.some((request) => /__proto__|constructor|prototype/.test(request.path))).toBe(true);
    expect(requests.some((request) => request.body?.includes('"__proto__"'))).toBe(true);
    expect(requests.some((request) => request.path.includes(`cursor=${context.cursors[0]}`))).toBe(true);
    expect(requests.some((request) => request.path.length > 16_384)).toBe(true);
  });
});

describe('encodeLoose', () => {
  it('percent-encodes like encodeURIComponent, and a lone surrogate as the bytes of one', () => {
    expect(encodeLoose('a b/é😀')).toBe(encodeURIComponent('a b/é😀'));
    expect(encodeLoose('x\ud800y')).toBe('x%ED%A0%80y');
  });
});
