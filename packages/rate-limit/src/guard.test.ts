import { CHANNELS, type RateLimitEvent, subscribe } from '@expresskit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Operation } from './gcra.js';
import { StoreGuard, withTimeout } from './guard.js';
import { compilePolicies } from './policy.js';
import { memoryStore } from './stores/memory.js';
import type { RateLimitStore } from './stores/store.js';

const policies = compilePolicies({ name: 'p', limit: 3, window: '1h' });

/** A real memory store behind a switch: `down` makes every call fail, `calls` counts calls that reached it. */
function switchable() {
  const inner = memoryStore();
  const state = { down: false, calls: 0 };
  const store: RateLimitStore = {
    name: 'switchable',
    async hit(key: string, p: typeof policies, cost: number, op: Operation) {
      state.calls += 1;
      if (state.down) throw new Error('connection refused');
      return inner.hit(key, p, cost, op);
    },
    close: () => inner.close(),
  };
  return { store, state };
}

let unsubscribe: (() => void) | undefined;
afterEach(() => {
  unsubscribe?.();
});

describe('StoreGuard', () => {
  it('opens the circuit after N failures, probes once per interval, closes on the first success', async () => {
    const events: string[] = [];
    unsubscribe = subscribe(CHANNELS.rateLimit, (e: RateLimitEvent) => events.push(e.type));
    const { store, state } = switchable();
    let now = 0;
    const guard = new StoreGuard({
      store,
      fallback: undefined,
      policy: 'fail-open',
      timeoutMs: 1_000,
      failures: 2,
      probeIntervalMs: 1_000,
      now: () => now,
    });
    const hit = () => guard.hit('k', policies, 1, 'consume');
    expect((await hit()).decision?.policies[0]?.remaining).toBe(2);
    state.down = true;
    for (let i = 0; i < 5; i++) expect((await hit()).decision).toBeUndefined();
    // 1 success + 2 failures reached the store; the circuit then kept the other 3 away.
    expect([state.calls, guard.degraded]).toEqual([3, true]);
    now += 999;
    await hit();
    expect(state.calls).toBe(3);
    now += 1;
    await Promise.all([hit(), hit(), hit()]);
    expect(state.calls).toBe(4); // one probe, however many requests arrive meanwhile
    state.down = false;
    now += 1_000;
    const probe = await hit();
    expect([probe.decision?.policies[0]?.remaining, guard.degraded, state.calls]).toEqual([1, false, 5]);
    expect(events).toEqual(['store-error', 'store-error', 'degraded', 'store-error', 'recovered']);
  });

  it('answers from the fallback store while degraded', async () => {
    const { store, state } = switchable();
    state.down = true;
    const guard = new StoreGuard({
      store,
      fallback: memoryStore(),
      policy: 'fallback',
      timeoutMs: 1_000,
      failures: 1,
      probeIntervalMs: 60_000,
    });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const outcome = await guard.hit('k', policies, 1, 'consume');
      outcomes.push([outcome.decision?.allowed, 'source' in outcome ? outcome.source : undefined]);
    }
    expect(outcomes).toEqual([
      [true, 'fallback'],
      [true, 'fallback'],
      [true, 'fallback'],
      [false, 'fallback'],
    ]);
  });

  it('a failing fallback store hands the error back (the limiter then lets the request through)', async () => {
    const primary = switchable();
    const fallback = switchable();
    primary.state.down = true;
    fallback.state.down = true;
    const guard = new StoreGuard({
      store: primary.store,
      fallback: fallback.store,
      policy: 'fallback',
      timeoutMs: 1_000,
      failures: 1,
      probeIntervalMs: 60_000,
    });
    const outcome = await guard.hit('k', policies, 1, 'consume');
    expect([outcome.decision, 'error' in outcome ? outcome.error.message : undefined]).toEqual([
      undefined,
      'connection refused',
    ]);
    expect([primary.state.calls, fallback.state.calls]).toEqual([1, 1]);
  });

  it('withTimeout rejects a call that never settles, and passes results through', async () => {
    await expect(withTimeout(new Promise(() => {}), 20, 'redis store')).rejects.toThrow(
      new Error('redis store timed out after 20 ms'),
    );
    await expect(withTimeout(Promise.resolve(7), 20, 'x')).resolves.toBe(7);
  });
});
