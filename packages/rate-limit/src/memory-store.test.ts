import { describe, expect, it } from 'vitest';
import { compilePolicies } from './policy.js';
import { memoryStore } from './stores/memory.js';
import { describeRateLimitStore } from './testing/contract.js';

describeRateLimitStore('memory', () => memoryStore());

describe('memoryStore', () => {
  it('expires a key exactly when every policy of it has fully recovered (no information lost)', async () => {
    let now = 1_000_000;
    const store = memoryStore({ clock: () => now, maxKeys: 10 });
    const [policy] = compilePolicies({ name: 'p', limit: 2, window: '2s' });
    if (!policy) throw new Error('no policy');
    await store.hit('k', [policy], 2, 'consume');
    const peek = async () => {
      const result = (await store.hit('k', [policy], 0, 'peek')).policies[0];
      return [result?.remaining, result?.resetUs];
    };
    expect(await peek()).toEqual([0, 2_000_000]);
    now += 999;
    expect(await peek()).toEqual([0, 1_001_000]);
    now += 1_000;
    expect(await peek()).toEqual([1, 1_000]);
    now += 1;
    expect(await peek()).toEqual([2, 0]);
    now += 60_000;
    expect(await peek()).toEqual([2, 0]);
  });

  it('drops a fully recovered key, so that it no longer takes the place of a live one', async () => {
    let now = 1_000_000;
    const store = memoryStore({ maxKeys: 2, clock: () => now });
    const [second] = compilePolicies({ name: 's', limit: 1, window: '1s' });
    const [hour] = compilePolicies({ name: 'h', limit: 2, window: '1h' });
    if (!second || !hour) throw new Error('no policy');
    await store.hit('short', [second], 1, 'consume');
    await store.hit('live', [hour], 1, 'consume');
    now += 1_001; // 'short' has fully recovered: its entry has expired
    expect((await store.hit('short', [second], 0, 'peek')).policies[0]?.remaining).toBe(1);
    // Room for a new key without evicting 'live' (a kept 'short' would now be the most recently used).
    await store.hit('new', [hour], 1, 'consume');
    expect((await store.hit('live', [hour], 0, 'peek')).policies[0]?.remaining).toBe(1);
  });

  it('is bounded: beyond maxKeys the least recently used key starts afresh', async () => {
    const store = memoryStore({ maxKeys: 2, clock: () => 5_000 });
    const [policy] = compilePolicies({ name: 'p', limit: 1, window: '1h' });
    if (!policy) throw new Error('no policy');
    for (const key of ['a', 'b', 'c']) await store.hit(key, [policy], 1, 'consume');
    const remaining = async (key: string) => (await store.hit(key, [policy], 0, 'peek')).policies[0]?.remaining;
    expect([await remaining('a'), await remaining('b'), await remaining('c')]).toEqual([1, 0, 0]);
  });

  it('rejects bad options at creation', () => {
    expect(() => memoryStore({ maxKeys: 0 })).toThrow(
      new TypeError('memoryStore: "maxKeys" must be a positive integer, got 0'),
    );
  });
});
