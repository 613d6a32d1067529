import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '../gcra.js';
import { compilePolicies } from '../policy.js';
import type { RateLimitStore } from '../stores/store.js';

function only(policies: CompiledPolicy[]): CompiledPolicy {
  const [policy] = policies;
  if (!policy) throw new Error('no policy');
  return policy;
}

/**
 * The behaviour every `RateLimitStore` must have, against real time (windows of an hour make the
 * few milliseconds a busy machine adds irrelevant; the one recovery test only waits longer).
 * Each test uses a fresh random key, so one store serves the whole suite.
 */
export function describeRateLimitStore(name: string, factory: () => Promise<RateLimitStore> | RateLimitStore): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let store: RateLimitStore;
    beforeAll(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await store.close();
    });
    const hourly = only(compilePolicies({ name: 'hourly', limit: 5, window: '1h' }));

    it('counts down a fresh key and reports the time to full recovery', async () => {
      const key = randomUUID();
      const first = await store.hit(key, [hourly], 1, 'consume');
      expect(first.allowed).toBe(true);
      expect(first.policies.map((p) => [p.name, p.conform, p.remaining, p.retryUs])).toEqual([['hourly', true, 4, 0]]);
      // One unit is worth 12 minutes; allow 5 s of scheduling delay.
      expect(first.policies[0]?.resetUs).toBeLessThanOrEqual(720_000_000);
      expect(first.policies[0]?.resetUs).toBeGreaterThan(715_000_000);
      const second = await store.hit(key, [hourly], 3, 'consume');
      expect(second.policies[0]?.remaining).toBe(1);
    });

    it('a rejected request changes no state (a rejected cost-5 request leaves the quota as it was)', async () => {
      const key = randomUUID();
      await store.hit(key, [hourly], 2, 'consume');
      const rejected = await store.hit(key, [hourly], 5, 'consume');
      expect(rejected.allowed).toBe(false);
      expect(rejected.policies[0]?.conform).toBe(false);
      expect(rejected.policies[0]?.remaining).toBe(3);
      // 5 units need 2 more to come back: 24 minutes.
      expect(rejected.policies[0]?.retryUs).toBeLessThanOrEqual(1_440_000_000);
      expect(rejected.policies[0]?.retryUs).toBeGreaterThan(1_435_000_000);
      const after = await store.hit(key, [hourly], 3, 'consume');
      expect([after.allowed, after.policies[0]?.remaining]).toEqual([true, 0]);
    });

    it('a cost above the burst can never conform (retry -1)', async () => {
      const decision = await store.hit(randomUUID(), [hourly], 6, 'consume');
      expect(decision.allowed).toBe(false);
      expect(decision.policies[0]).toMatchObject({ conform: false, remaining: 5, retryUs: -1 });
    });

    it('checks all policies atomically: a violated policy charges none of them', async () => {
      const key = randomUUID();
      const policies = compilePolicies([
        { name: 'short', limit: 2, window: '1h' },
        { name: 'long', limit: 5, window: '1h' },
      ]);
      const outcomes: Array<[boolean, number | undefined, number | undefined]> = [];
      for (let i = 0; i < 4; i++) {
        const d = await store.hit(key, policies, 1, 'consume');
        outcomes.push([d.allowed, d.policies[0]?.remaining, d.policies[1]?.remaining]);
      }
      expect(outcomes).toEqual([
        [true, 1, 4],
        [true, 0, 3],
        [false, 0, 3],
        [false, 0, 3],
      ]);
      const long = await store.hit(key, policies.slice(1), 1, 'consume');
      expect([long.allowed, long.policies[0]?.remaining]).toEqual([true, 2]);
    });

    it('peek decides without writing; charge writes even beyond the limit', async () => {
      const key = randomUUID();
      const peek = await store.hit(key, [hourly], 1, 'peek');
      expect([peek.allowed, peek.policies[0]?.remaining]).toEqual([true, 4]);
      expect((await store.hit(key, [hourly], 0, 'peek')).policies[0]?.remaining).toBe(5);
      await store.hit(key, [hourly], 5, 'charge');
      const charged = await store.hit(key, [hourly], 2, 'charge');
      expect([charged.allowed, charged.policies[0]?.remaining]).toEqual([true, 0]);
      const rejected = await store.hit(key, [hourly], 1, 'consume');
      expect(rejected.allowed).toBe(false);
      // 7 units spent, τ = 5 units: the next unit fits after 3 units have come back (36 min).
      expect(rejected.policies[0]?.retryUs).toBeGreaterThan(2_155_000_000);
      expect(rejected.policies[0]?.retryUs).toBeLessThanOrEqual(2_160_000_000);
    });

    it('fixed window: counts up to the limit within the window', async () => {
      const key = randomUUID();
      const fixed = only(compilePolicies({ name: 'fixed', limit: 3, window: '1h', algorithm: 'fixed-window' }));
      const allowed: boolean[] = [];
      let last: Awaited<ReturnType<RateLimitStore['hit']>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await store.hit(key, [fixed], 1, 'consume');
        allowed.push(last.allowed);
      }
      expect(allowed).toEqual([true, true, true, false]);
      expect(last?.policies[0]?.remaining).toBe(0);
      expect(last?.policies[0]?.retryUs).toBe(last?.policies[0]?.resetUs);
      expect(last?.policies[0]?.resetUs).toBeLessThanOrEqual(3_600_000_000);
    });

    it('recovers over time (GCRA: one unit per T)', async () => {
      const key = randomUUID();
      // T = 1 s: the second call is rejected unless the machine stalls for a whole second between them.
      const fast = only(compilePolicies({ name: 'fast', limit: 2, window: '2s' }));
      expect((await store.hit(key, [fast], 2, 'consume')).allowed).toBe(true);
      const rejected = await store.hit(key, [fast], 1, 'consume');
      expect(rejected.allowed).toBe(false);
      const retryUs = rejected.policies[0]?.retryUs ?? -1;
      expect(retryUs).toBeGreaterThan(0);
      expect(retryUs).toBeLessThanOrEqual(1_000_000);
      await sleep(Math.ceil(retryUs / 1000) + 50);
      expect((await store.hit(key, [fast], 1, 'consume')).allowed).toBe(true);
    });

    it('keeps keys apart, including keys with braces, percent signs and the empty key', async () => {
      const base = randomUUID();
      const keys = [base, `${base}}`, `{${base}`, `${base}%7D`, `}${base}`];
      for (const key of keys) {
        expect((await store.hit(key, [hourly], 5, 'consume')).policies[0]?.remaining).toBe(0);
      }
      const empty = await store.hit('', [hourly], 0, 'peek');
      expect(empty.allowed).toBe(true);
    });

    it('policies of the same name share a quota; different names do not', async () => {
      const key = randomUUID();
      const a = only(compilePolicies({ name: `shared-${key}`, limit: 3, window: '1h' }));
      const b = only(compilePolicies({ name: `other-${key}`, limit: 3, window: '1h' }));
      await store.hit(key, [a], 2, 'consume');
      expect((await store.hit(key, [a], 1, 'consume')).policies[0]?.remaining).toBe(0);
      expect((await store.hit(key, [b], 1, 'consume')).policies[0]?.remaining).toBe(2);
    });

    it('admits exactly the limit under concurrent requests', async () => {
      const key = randomUUID();
      const fifty = only(compilePolicies({ name: 'fifty', limit: 50, window: '1h' }));
      const decisions = await Promise.all(Array.from({ length: 120 }, () => store.hit(key, [fifty], 1, 'consume')));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    });
  });
}
