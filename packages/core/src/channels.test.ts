import diagnostics_channel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { type CacheEvent, CHANNELS, channel, type RateLimitEvent, subscribe } from './channels.js';

describe('channels', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('names one channel per publishing package', () => {
    expect(CHANNELS).toEqual({
      rateLimit: 'expresskit:rate-limit',
      cache: 'expresskit:cache',
      health: 'expresskit:health',
    });
  });

  it('delivers published payloads to subscribers and stops after unsubscribe', () => {
    const received: CacheEvent[] = [];
    const unsubscribe = subscribe('expresskit:cache', (event) => received.push(event));
    const cache = channel('expresskit:cache');
    expect(cache.hasSubscribers).toBe(true);
    cache.publish({ type: 'hit', route: '/products/:id' });
    unsubscribe();
    cache.publish({ type: 'miss', route: '/products/:id' });
    expect(received).toEqual([{ type: 'hit', route: '/products/:id' }]);
    expect(cache.hasSubscribers).toBe(false);
  });

  it('is the same channel object node:diagnostics_channel hands out by name', () => {
    const received: unknown[] = [];
    const listener = (message: unknown): void => {
      received.push(message);
    };
    diagnostics_channel.subscribe('expresskit:rate-limit', listener);
    cleanups.push(() => diagnostics_channel.unsubscribe('expresskit:rate-limit', listener));
    const event: RateLimitEvent = {
      type: 'limited',
      policy: 'per-second',
      violated: ['per-second'],
      keyHash: 'ab12cd34',
      remaining: 0,
      shadow: false,
    };
    channel('expresskit:rate-limit').publish(event);
    expect(received).toEqual([event]);
  });
});
