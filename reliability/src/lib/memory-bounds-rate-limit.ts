import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { memoryStore, rateLimit } from '@expresskit/rate-limit';
import type { NextFunction, Request, Response } from 'express';
import { type MemorySampler, settledMemory } from './memory-bounds-sampler.js';

/** What the rate-limit half of scenario 5 reports. */
export interface RateLimitBoundsResult {
  maxKeys: number;
  keysSent: number;
  /** Requests the limiter let through while the keys were sent (every one: each key is new). */
  allowed: number;
  /** Heap used after GC with no traffic, then with exactly `maxKeys` entries (before any eviction), then at the end. */
  heapBaseline: number;
  heapAtBound: number;
  heapFinal: number;
  /** External memory (outside the V8 heap) after GC: before traffic, at the bound, at the end. */
  externalBaseline: number;
  externalAtBound: number;
  externalFinal: number;
  /** Highest RSS while the first half of the keys were sent, and while the second half were. */
  rssPeakFirstHalf: number;
  rssPeakSecondHalf: number;
  rssBaseline: number;
  rssPeak: number;
  rssFinal: number;
  /** Keys whose state the store still holds at the end (probed newest first). */
  retained: number;
  /** Probed keys older than the retained ones that the store had forgotten (out of `olderProbed`). */
  olderForgotten: number;
  olderProbed: number;
  elapsedMs: number;
}

/**
 * Drives the real `rateLimit()` middleware with the real `memoryStore({ maxKeys })` through
 * `count` requests of distinct API keys. Requests are Node's own `IncomingMessage` /
 * `ServerResponse` objects (not connected to a socket: 1,000,000 HTTP round trips would take
 * minutes and measure the HTTP stack, not the store), so the middleware runs exactly as behind a
 * server: key function, store decision, `RateLimit` headers, `req.rateLimit`, `next()`.
 */
export function runRateLimitBounds(count: number, maxKeys: number, sampler: MemorySampler): RateLimitBoundsResult {
  const started = performance.now();
  const store = memoryStore({ maxKeys });
  // One day: nothing recovers (and expires) during the run, so the only way to forget is eviction.
  const limiter = rateLimit({
    policies: { name: 'per-day', limit: 1000, window: '1d' },
    store,
    key: (req) => String(req.headers['x-api-key']),
  });
  const socket = new Socket();
  let allowed = 0;
  let remaining = -1;
  const next: NextFunction = () => {
    allowed += 1;
  };
  const hit = (key: string): void => {
    const req = new IncomingMessage(socket);
    req.headers = { 'x-api-key': key };
    const res = new ServerResponse(req);
    limiter(req as unknown as Request, res as unknown as Response, next);
    remaining = (req as unknown as Request).rateLimit?.policies[0]?.remaining ?? -1;
  };

  const baseline = settledMemory();
  let atBound = baseline;
  let rssPeakFirstHalf = 0;
  sampler.mark();
  for (let i = 0; i < count; i++) {
    hit(`client-${i}`);
    if (i % 10_000 === 0) sampler.sample();
    if (i + 1 === maxKeys) atBound = settledMemory();
    if (i + 1 === Math.floor(count / 2)) rssPeakFirstHalf = sampler.mark();
  }
  const rssPeakSecondHalf = sampler.mark();
  const allowedWhileSending = allowed;
  const final = settledMemory();
  sampler.sample();

  // Probe newest first: a retained key has spent one unit already (998 left after this second
  // request), a forgotten one starts again (999). Retained keys are only touched, never inserted,
  // so the probes of retained keys evict nothing.
  let retained = 0;
  for (let i = count - 1; i >= 0; i--) {
    hit(`client-${i}`);
    if (remaining !== 998) break;
    retained += 1;
  }
  let olderForgotten = 0;
  const olderProbed = Math.min(1000, count - retained - 1);
  for (let i = 0; i < olderProbed; i++) {
    hit(`client-${i}`);
    if (remaining === 999) olderForgotten += 1;
  }
  void store.close();
  return {
    maxKeys,
    keysSent: count,
    allowed: allowedWhileSending,
    heapBaseline: baseline.heapUsed,
    heapAtBound: atBound.heapUsed,
    heapFinal: final.heapUsed,
    externalBaseline: baseline.external,
    externalAtBound: atBound.external,
    externalFinal: final.external,
    rssPeakFirstHalf,
    rssPeakSecondHalf,
    rssBaseline: baseline.rss,
    rssPeak: sampler.peakRss,
    rssFinal: final.rss,
    retained,
    olderForgotten,
    olderProbed,
    elapsedMs: performance.now() - started,
  };
}
