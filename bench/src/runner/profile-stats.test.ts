import { describe, expect, it } from 'vitest';
import { type CpuProfile, compareSelfTimes, formatComparison, selfTimePerRequest } from './profile-stats.js';

const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });

/** 10 samples over 1,000 µs (100 µs each): 5 in send, 3 in hash, 2 idle. */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('send', 'file:///app/node_modules/express/lib/response.js', 124) },
    { id: 2, callFrame: frame('hash', 'node:crypto/hash', 219) },
    { id: 3, callFrame: frame('(idle)', '', -1) },
    { id: 4, callFrame: frame('', 'file:///app/dist/etag.js', 9) },
  ],
  samples: [1, 1, 2, 3, 1, 2, 3, 1, 2, 1],
  startTime: 5_000,
  endTime: 6_000,
};

describe('selfTimePerRequest', () => {
  it('turns samples into µs of self time per request, without idle', () => {
    const self = selfTimePerRequest(PROFILE, 4);
    expect([...self]).toEqual([
      ['send lib/response.js:125', 125],
      ['hash node:crypto/hash:220', 75],
    ]);
  });

  it('names anonymous functions and refuses a run without requests', () => {
    const self = selfTimePerRequest({ ...PROFILE, samples: [4, 4] }, 1);
    expect([...self]).toEqual([['(anonymous) dist/etag.js:10', 1000]]);
    expect(() => selfTimePerRequest(PROFILE, 0)).toThrow('selfTimePerRequest: requests must be > 0, got 0');
  });
});

describe('compareSelfTimes and formatComparison', () => {
  const a = new Map([
    ['x', 10],
    ['y', 2],
  ]);
  const b = new Map([
    ['x', 9],
    ['z', 4],
  ]);

  it('lists every function once, the largest difference first', () => {
    expect(compareSelfTimes(a, b)).toEqual([
      { name: 'z', a: 0, b: 4 },
      { name: 'y', a: 2, b: 0 },
      { name: 'x', a: 10, b: 9 },
    ]);
  });

  it('reports the busy total of each and one line per function', () => {
    const text = formatComparison(
      { name: 'A', requests: 100, self: a },
      { name: 'B', requests: 90, self: b },
      compareSelfTimes(a, b).slice(0, 2),
    );
    expect(text.split('\n')).toEqual([
      'busy CPU per request: A 12.0 µs (100 requests), B 13.0 µs (90 requests)',
      '   a − b        a        b  self µs per request',
      '   -4.00     0.00     4.00  z',
      '    2.00     2.00     0.00  y',
    ]);
  });
});
