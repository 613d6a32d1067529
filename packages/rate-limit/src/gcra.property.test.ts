import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, step } from './gcra.js';
import { compilePolicies } from './policy.js';

const scenario = fc
  .record({
    limit: fc.integer({ min: 1, max: 20 }),
    windowS: fc.integer({ min: 1, max: 60 }),
    burstFactor: fc.double({ min: 0.05, max: 2, noNaN: true }),
    algorithm: fc.constantFrom('gcra' as const, 'fixed-window' as const),
  })
  .chain(({ limit, windowS, burstFactor, algorithm }) => {
    const burst = Math.max(1, Math.round(limit * burstFactor));
    const [policy] = compilePolicies({
      name: 'p',
      limit,
      window: `${windowS}s`,
      ...(algorithm === 'gcra' ? { burst, algorithm } : { algorithm }),
    });
    if (!policy) throw new Error('no policy');
    const maxStep = policy.algorithm === 'gcra' ? 2 * policy.intervalUs : policy.intervalUs;
    return fc.record({
      policy: fc.constant(policy),
      requests: fc.array(
        fc.record({ dt: fc.integer({ min: 0, max: maxStep }), cost: fc.integer({ min: 0, max: policy.burst + 1 }) }),
        { minLength: 1, maxLength: 60 },
      ),
    });
  });

describe('gcra / fixed window properties (fast-check)', () => {
  it('never admits more than burst + elapsed / T, rejects without writing, retry is exact', () => {
    fc.assert(
      fc.property(scenario, ({ policy, requests }) => {
        let now = 1_700_000_000_000_000;
        let state: number | undefined;
        const admitted: Array<{ at: number; cost: number }> = [];
        for (const { dt, cost } of requests) {
          now += dt;
          const { decision, writes } = decide([policy], [state], now, cost, 'consume');
          const result = decision.policies[0];
          expect(result?.remaining).toBeGreaterThanOrEqual(0);
          expect(result?.remaining).toBeLessThanOrEqual(policy.burst);
          if (!decision.allowed) {
            expect(writes).toEqual([undefined]);
            const retry = result?.retryUs ?? 0;
            if (retry > 0) {
              expect(step(policy, state, now + retry, cost).conform).toBe(true);
              expect(step(policy, state, now + retry - 1, cost).conform).toBe(false);
            } else {
              expect(retry).toBe(-1);
              expect(cost).toBeGreaterThan(policy.burst);
            }
            continue;
          }
          // As the stores do: a state with nothing left to recover is deleted.
          const write = writes[0];
          state = write && write.ttlUs > 0 ? write.state : undefined;
          admitted.push({ at: now, cost });
        }
        if (policy.algorithm !== 'gcra') return;
        // GCRA bound: units admitted at times within [a, b] ≤ burst + (b − a) / T.
        for (let i = 0; i < admitted.length; i++) {
          let units = 0;
          for (let j = i; j < admitted.length; j++) {
            const a = admitted[i];
            const b = admitted[j];
            if (!a || !b) continue;
            units += b.cost;
            expect(units * policy.intervalUs).toBeLessThanOrEqual(policy.toleranceUs + (b.at - a.at));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fixed window: units admitted within one window never exceed the limit', () => {
    fc.assert(
      fc.property(scenario, ({ policy, requests }) => {
        if (policy.algorithm !== 'fixed-window') return;
        let now = 1_700_000_000_000_000;
        let state: number | undefined;
        const perWindow = new Map<number, number>();
        for (const { dt, cost } of requests) {
          now += dt;
          const { decision, writes } = decide([policy], [state], now, cost, 'consume');
          if (!decision.allowed) continue;
          state = writes[0]?.state ?? state;
          const window = Math.floor(now / policy.intervalUs);
          perWindow.set(window, (perWindow.get(window) ?? 0) + cost);
        }
        for (const units of perWindow.values()) expect(units).toBeLessThanOrEqual(policy.limit);
      }),
      { numRuns: 300 },
    );
  });
});
