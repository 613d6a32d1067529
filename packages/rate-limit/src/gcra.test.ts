import { describe, expect, it } from 'vitest';
import { decide, fixedWindow, gcra } from './gcra.js';
import { compilePolicies } from './policy.js';
import { memoryStore } from './stores/memory.js';

/**
 * The GCRA reference table of throttled (`rate_test.go`, also redis-cell's): limit 5 (max burst 4
 * in their terms), 1 per second. Columns: time (ms from start), cost, remaining, reset (ms),
 * retry (ms; -1: the request can never conform), limited.
 */
const REFERENCE: ReadonlyArray<[number, number, number, number, number, boolean]> = [
  [0, 6, 5, 0, -1, true],
  [0, 1, 4, 1000, 0, false],
  [0, 1, 3, 2000, 0, false],
  [0, 1, 2, 3000, 0, false],
  [0, 1, 1, 4000, 0, false],
  [0, 1, 0, 5000, 0, false],
  [0, 1, 0, 5000, 1000, true],
  [3000, 1, 2, 3000, 0, false],
  [3100, 1, 1, 3900, 0, false],
  [4000, 1, 1, 4000, 0, false],
  [8000, 1, 4, 1000, 0, false],
  [9500, 1, 4, 1000, 0, false],
  [9500, 0, 4, 1000, 0, false],
  [9500, 2, 2, 3000, 0, false],
  [9500, 5, 2, 3000, 3000, true],
  [15000, 6, 5, 0, -1, true],
];

const [fivePerFive] = compilePolicies({ name: 'reference', limit: 5, window: '5s' });

describe('gcra: the throttled / redis-cell reference vectors', () => {
  it('compiles limit 5 per 5 s to T = 1 s, τ = 5 s', () => {
    expect(fivePerFive).toMatchObject({ burst: 5, intervalUs: 1_000_000, toleranceUs: 5_000_000 });
  });

  it('the pure function, threading the state by hand', () => {
    const start = 1_700_000_000_000_000;
    let tat: number | undefined;
    for (const [index, [at, cost, remaining, reset, retry, limited]] of REFERENCE.entries()) {
      const step = gcra(tat, start + at * 1000, cost, 1_000_000, 5_000_000);
      const seen = limited
        ? [step.remainingBefore, step.resetBefore, step.retryUs, step.conform]
        : [step.remainingAfter, step.resetAfter, step.retryUs, step.conform];
      expect([index, ...seen]).toEqual([index, remaining, reset * 1000, retry === -1 ? -1 : retry * 1000, !limited]);
      if (step.conform) tat = step.next;
    }
  });

  it('the memory store through an injected clock', async () => {
    let now = 1_700_000_000_000;
    const store = memoryStore({ clock: () => now });
    const policies = [fivePerFive ?? expect.fail('no policy')];
    const start = now;
    for (const [index, [at, cost, remaining, reset, retry, limited]] of REFERENCE.entries()) {
      now = start + at;
      const decision = await store.hit('client', policies, cost, 'consume');
      expect([index, decision.allowed, decision.policies[0]]).toEqual([
        index,
        !limited,
        {
          name: 'reference',
          conform: !limited,
          remaining,
          resetUs: reset * 1000,
          retryUs: retry === -1 ? -1 : retry * 1000,
        },
      ]);
    }
    await store.close();
  });
});

describe('gcra properties', () => {
  it('a rejected request changes no state: a rejected cost-5 request leaves the quota as it was', () => {
    const policies = compilePolicies({ name: 'p', limit: 5, window: '5s' });
    const now = 10_000_000;
    const first = decide(policies, [undefined], now, 2, 'consume');
    const state = first.writes[0]?.state;
    expect(first.decision.policies[0]?.remaining).toBe(3);
    const rejected = decide(policies, [state], now, 5, 'consume');
    expect(rejected.decision.allowed).toBe(false);
    expect(rejected.writes).toEqual([undefined]);
    expect(rejected.decision.policies[0]).toEqual({
      name: 'p',
      conform: false,
      remaining: 3,
      resetUs: 2_000_000,
      retryUs: 2_000_000,
    });
  });

  it('no double burst at a window edge: after a burst, units come back one per T', () => {
    let tat: number | undefined;
    let allowed = 0;
    // 10 per 10 s: burst 10 at t = 9.9 s, then everything at t = 10.1 s.
    for (const at of [...Array<number>(20).fill(9_900_000), ...Array<number>(20).fill(10_100_000)]) {
      const step = gcra(tat, at, 1, 1_000_000, 10_000_000);
      if (step.conform) {
        allowed += 1;
        tat = step.next;
      }
    }
    expect(allowed).toBe(10);
  });

  it('keeps rates such as 7 per minute exact (integer microseconds)', () => {
    const [policy] = compilePolicies({ name: 'odd', limit: 7, window: '1m' });
    if (!policy) throw new Error('no policy');
    let state: number | undefined;
    const results: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      const { decision, writes } = decide([policy], [state], 5_000_000, 1, 'consume');
      results.push(decision.allowed);
      state = writes[0]?.state ?? state;
    }
    expect(results).toEqual([true, true, true, true, true, true, true, false]);
  });

  it('an explicit burst smaller than the limit', () => {
    const [policy] = compilePolicies({ name: 'smooth', limit: 60, window: '1m', burst: 2 });
    if (!policy) throw new Error('no policy');
    let state: number | undefined;
    const results: Array<[boolean, number]> = [];
    for (let i = 0; i < 3; i++) {
      const { decision, writes } = decide([policy], [state], 0, 1, 'consume');
      results.push([decision.allowed, decision.policies[0]?.retryUs ?? NaN]);
      state = writes[0]?.state ?? state;
    }
    expect(results).toEqual([
      [true, 0],
      [true, 0],
      [false, 1_000_000],
    ]);
  });
});

describe('decide: several policies, all-or-nothing', () => {
  const policies = compilePolicies([
    { name: 'second', limit: 2, window: '1s' },
    { name: 'hour', limit: 3, window: '1h' },
  ]);

  it('charges every policy only when all conform', () => {
    let stored: (number | undefined)[] = [undefined, undefined];
    const trace: Array<[boolean, number, number]> = [];
    for (const now of [0, 0, 0, 2_000_000, 3_000_000]) {
      const { decision, writes } = decide(policies, stored, now, 1, 'consume');
      trace.push([decision.allowed, decision.policies[0]?.remaining ?? -9, decision.policies[1]?.remaining ?? -9]);
      stored = stored.map((s, i) => writes[i]?.state ?? s);
    }
    // The third request at t=0 violates "second" and must not use up "hour".
    expect(trace).toEqual([
      [true, 1, 2],
      [true, 0, 1],
      [false, 0, 1],
      [true, 1, 0],
      [false, 2, 0],
    ]);
  });

  it('peek reports the charged outcome but writes nothing; charge always writes', () => {
    const peek = decide(policies, [undefined, undefined], 0, 1, 'peek');
    expect(peek.decision.allowed).toBe(true);
    expect(peek.decision.policies.map((p) => p.remaining)).toEqual([1, 2]);
    expect(peek.writes).toEqual([undefined, undefined]);
    // Both quotas already spent: charging still writes, going into debt (after the response).
    const full = decide(policies, [1_000_000, 3_600_000_000], 0, 1, 'charge');
    expect(full.decision.allowed).toBe(true);
    expect(full.decision.policies.map((p) => p.remaining)).toEqual([0, 0]);
    expect(full.writes.map((w) => w?.ttlUs)).toEqual([1_500_000, 4_800_000_000]);
  });
});

describe('fixedWindow', () => {
  it('counts per epoch-aligned window, rejects without charging, resets at the edge', () => {
    const windowUs = 10_000_000;
    let state: number | undefined;
    const trace: Array<[boolean, number, number, number]> = [];
    for (const [now, cost] of [
      [12_000_000, 2],
      [15_000_000, 1],
      [19_000_000, 1],
      [19_500_000, 3],
      [20_000_000, 3],
    ] as const) {
      const s = fixedWindow(state, now, cost, windowUs, 3);
      trace.push(
        s.conform
          ? [true, s.remainingAfter, s.resetAfter, s.retryUs]
          : [false, s.remainingBefore, s.resetBefore, s.retryUs],
      );
      if (s.conform) state = s.next;
    }
    expect(trace).toEqual([
      [true, 1, 8_000_000, 0],
      [true, 0, 5_000_000, 0],
      [false, 0, 1_000_000, 1_000_000],
      [false, 0, 500_000, 500_000],
      [true, 0, 10_000_000, 0],
    ]);
    expect(fixedWindow(undefined, 0, 4, windowUs, 3).retryUs).toBe(-1);
  });
});
