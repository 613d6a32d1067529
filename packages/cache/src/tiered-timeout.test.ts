import { loopbackPair } from '@expresskit/testing';
import { describe, expect, it } from 'vitest';
import { withTimeout } from './tiered.js';

describe('withTimeout (the bound of one L2 operation)', () => {
  it('rejects a call that does not answer in time, naming the operation', async () => {
    const started = performance.now();
    await expect(withTimeout(new Promise(() => {}), 30, 'l2-get')).rejects.toThrow(
      'cache: l2-get timed out after 30 ms',
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('an answer that arrived while the process was busy wins over the overdue timer', async () => {
    // A real loopback socket: the peer's answer is written into the kernel while this process is
    // blocked past the timeout, so when it wakes up both the answer and the timer are due.
    const { client, peer, close } = await loopbackPair();
    try {
      const answer = new Promise<string>((resolve) => client.once('data', (data) => resolve(data.toString())));
      const bounded = withTimeout(answer, 20, 'l2-get');
      peer.write('entry'); // reaches the client's socket buffer at once (loopback)
      const busyUntil = performance.now() + 200; // ten times the timeout
      while (performance.now() < busyUntil) {
        // a long synchronous callback
      }
      await expect(bounded).resolves.toBe('entry');
    } finally {
      await close();
    }
  });
});
