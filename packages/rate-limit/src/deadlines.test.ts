import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackPair } from '@expresskit/testing';
import { describe, expect, it } from 'vitest';
import { Deadlines, type Pending } from './deadlines.js';

/** A call that records when it expired (milliseconds after `started`). */
function call(started: number, expired: number[]): Pending {
  return {
    deadline: 0,
    prev: undefined,
    next: undefined,
    expire: () => expired.push(performance.now() - started),
  };
}

describe('Deadlines: one shared timer for calls that all wait the same time', () => {
  it('expires only the calls still in flight, each once, no earlier than their deadline', async () => {
    const deadlines = new Deadlines(40);
    const started = performance.now();
    const expired: number[] = [];
    const calls = [call(started, expired), call(started, expired), call(started, expired), call(started, expired)];
    for (const c of calls) deadlines.add(c);
    const [first, second, third, fourth] = calls;
    if (!first || !second || !third || !fourth) throw new Error('no calls');
    // Settled in time: the first (the head the timer is armed for), one in the middle, the last.
    deadlines.remove(first);
    deadlines.remove(third);
    deadlines.remove(fourth);
    deadlines.remove(fourth); // twice: no effect on the others
    expect(deadlines.size).toBe(1);
    // Generous: the machine is shared; only "not before 40 ms" and "eventually" matter.
    const until = performance.now() + 5_000;
    while (expired.length === 0 && performance.now() < until) await sleep(10);
    await sleep(60);
    expect(expired.length).toBe(1);
    expect(expired[0]).toBeGreaterThanOrEqual(39);
    expect(deadlines.size).toBe(0);
  });

  it('a call added after others settled gets its own full wait (the timer re-arms for it)', async () => {
    const deadlines = new Deadlines(50);
    const expired: number[] = [];
    const early = call(performance.now(), expired);
    deadlines.add(early);
    await sleep(25);
    deadlines.remove(early);
    const started = performance.now();
    deadlines.add(call(started, expired));
    const until = performance.now() + 5_000;
    while (expired.length === 0 && performance.now() < until) await sleep(10);
    expect(expired.length).toBe(1);
    expect(expired[0]).toBeGreaterThanOrEqual(49);
    expect(deadlines.size).toBe(0);
  });

  it('several calls expire together; removing an expired call (as its late answer does) changes nothing', async () => {
    const deadlines = new Deadlines(30);
    const expired: number[] = [];
    const started = performance.now();
    const calls: Pending[] = [];
    for (let i = 0; i < 5; i++) {
      const c = call(started, expired);
      // What the guard does: an expiring call is removed again when it settles.
      const expire = c.expire;
      c.expire = () => {
        expire();
        deadlines.remove(c);
      };
      calls.push(c);
      deadlines.add(c);
    }
    const until = performance.now() + 5_000;
    while (expired.length < 5 && performance.now() < until) await sleep(10);
    expect([expired.length, deadlines.size]).toEqual([5, 0]);
    for (const c of calls) deadlines.remove(c);
    expect(deadlines.size).toBe(0);
  });

  it('calls settled before their deadline never expire', async () => {
    const deadlines = new Deadlines(20);
    const expired: number[] = [];
    for (let i = 0; i < 100; i++) {
      const c = call(performance.now(), expired);
      deadlines.add(c);
      deadlines.remove(c);
    }
    await sleep(80);
    expect([expired.length, deadlines.size]).toEqual([0, 0]);
  });

  it('an answer that arrived while the process was busy settles its call before the overdue timer expires it', async () => {
    // A real loopback socket: the peer's answer is written into the kernel while this process
    // is blocked past the deadline, so when it wakes up both the answer and the timer are due.
    const { client, peer, close } = await loopbackPair();
    try {
      const deadlines = new Deadlines(20);
      const outcome: string[] = [];
      const pending = call(performance.now(), []);
      pending.expire = () => outcome.push('expired');
      client.once('data', () => {
        deadlines.remove(pending);
        outcome.push('answered');
      });
      deadlines.add(pending);
      peer.write('pong'); // reaches the client's socket buffer at once (loopback)
      const busyUntil = performance.now() + 200; // ten times the deadline
      while (performance.now() < busyUntil) {
        // a long synchronous callback
      }
      const until = performance.now() + 5_000;
      while (outcome.length === 0 && performance.now() < until) await sleep(5);
      await sleep(50);
      expect(outcome).toEqual(['answered']);
      expect(deadlines.size).toBe(0);
    } finally {
      await close();
    }
  });
});
