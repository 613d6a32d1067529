import autocannon from 'autocannon';
import { afterAll, describe, expect, it } from 'vitest';
import { stopChildren } from '../lib/children.js';
import type { CacheBoundsMeasure, CacheBoundsResult } from '../lib/memory-bounds-cache.js';
import type { RateLimitBoundsResult } from '../lib/memory-bounds-rate-limit.js';
import { startMemoryChild } from '../lib/memory-bounds-run.js';
import type { MemoryReading } from '../lib/memory-bounds-sampler.js';
import { recordCase } from '../lib/results.js';

const MB = 1024 * 1024;
const mb = (bytes: number): number => +(bytes / MB).toFixed(1);
/**
 * Room above "memory before traffic + bound × per-entry cost" for what the store does not own:
 * V8 code and inline caches, the limiter's/app's own structures, Map tables sized for deletes.
 */
const MARGIN = 16 * MB;
/**
 * How much higher the RSS may peak while the second half of the keys is sent than while the first
 * half was: once the store is full, more keys must not need more memory. Without a bound the
 * second half would add 500,000 × ~330 B ≈ 160 MB (rate limiter) and 50,000 × ~5 KB ≈ 250 MB
 * (cache) of live memory, plus V8's headroom on top.
 */
const PLATEAU_SLACK = 48 * MB;

const RATE_LIMIT_KEYS = 1_000_000;
const MAX_KEYS = 100_000; // memoryStore's default, given explicitly
const CACHE_URLS = 100_000;
const CACHE_WARM_URLS = 5_000;
const MAX_BYTES = 16 * MB;
const BODY_BYTES = 1_000;

interface RateLimitMessage {
  result: RateLimitBoundsResult;
}
interface CacheResultMessage {
  result: CacheBoundsResult;
  peakRss: number;
  /** After the store was cleared and GC. */
  final: MemoryReading;
}

/** `GET /items/<from> … /items/<to - 1>`, each once, 16 connections; resolves with the status counts. */
async function requestItems(
  port: number,
  from: number,
  to: number,
): Promise<{ ok: number; other: number; errors: number }> {
  let id = from;
  let ok = 0;
  let other = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: 16,
        amount: to - from,
        timeout: 60,
        requests: [{ setupRequest: (request) => ({ ...request, path: `/items/${id++}` }) }],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, status) => {
      if (status === 200) ok += 1;
      else other += 1;
    });
  });
  return { ok, other, errors: result.errors + result.timeouts };
}

describe('5. memory bounds', () => {
  afterAll(async () => {
    await stopChildren();
  });

  it(`${RATE_LIMIT_KEYS.toLocaleString('en-US')} distinct keys through rateLimit() + memoryStore({ maxKeys: ${MAX_KEYS.toLocaleString('en-US')} })`, async () => {
    const idleChild = startMemoryChild(['rate-limit', '0', String(MAX_KEYS)]);
    const idle = (await idleChild.next<RateLimitMessage>('result')).result;
    await idleChild.exit();
    const busyChild = startMemoryChild(['rate-limit', String(RATE_LIMIT_KEYS), String(MAX_KEYS)]);
    const run = (await busyChild.next<RateLimitMessage>('result')).result;
    const exitCode = await busyChild.exit();

    // Heap and external memory after GC, per entry, when the store holds exactly maxKeys (no eviction yet).
    const retainedAt = (heap: number, external: number) => heap + external - run.heapBaseline - run.externalBaseline;
    const perEntry = retainedAt(run.heapAtBound, run.externalAtBound) / MAX_KEYS;
    const retainedBound = MAX_KEYS * perEntry + MARGIN;
    const retainedFinal = retainedAt(run.heapFinal, run.externalFinal);
    const evictions = run.keysSent - run.retained;
    recordCase({
      scenario: '5-memory-bounds',
      case: 'rate limiter: memory store, 1,000,000 keys',
      figures: {
        'keys sent': run.keysSent,
        'requests allowed (every key is new)': run.allowed,
        'maxKeys (bound)': MAX_KEYS,
        'entries retained (probed newest first)': run.retained,
        'evictions (keys sent − retained)': evictions,
        'oldest 1,000 keys forgotten': `${run.olderForgotten} of ${run.olderProbed}`,
        'no traffic (own process): RSS / heap used (MB)': `${mb(idle.rssFinal)} / ${mb(idle.heapFinal)}`,
        'memory per entry after GC, measured at maxKeys entries (bytes)': Math.round(perEntry),
        'retained after GC at the end (MB; bound = maxKeys × per entry + 16 MB)': `${mb(retainedFinal)} (bound ${mb(retainedBound)})`,
        'peak RSS, first / second half of the keys (MB)': `${mb(run.rssPeakFirstHalf)} / ${mb(run.rssPeakSecondHalf)}`,
        'peak RSS (MB)': mb(run.rssPeak),
        'RSS after GC at the end (MB)': mb(run.rssFinal),
        'elapsed (s)': +(run.elapsedMs / 1000).toFixed(1),
      },
    });

    expect(exitCode).toBe(0);
    expect(run.allowed).toBe(RATE_LIMIT_KEYS);
    expect(run.retained).toBe(MAX_KEYS);
    expect(evictions).toBe(RATE_LIMIT_KEYS - MAX_KEYS);
    expect(run.olderForgotten).toBe(run.olderProbed);
    expect(run.olderProbed).toBe(1000);
    expect(perEntry).toBeGreaterThan(0);
    expect(retainedFinal).toBeLessThanOrEqual(retainedBound);
    expect(run.rssPeakSecondHalf).toBeLessThanOrEqual(run.rssPeakFirstHalf + PLATEAU_SLACK);
  }, 170_000);

  it(`${CACHE_URLS.toLocaleString('en-US')} distinct URLs through responseCache() + memoryStore({ maxBytes: 16 MiB })`, async () => {
    const idleChild = startMemoryChild(['cache', String(MAX_BYTES), String(BODY_BYTES)]);
    const idleReady = await idleChild.next<{ baseline: MemoryReading }>('ready');
    idleChild.send({ type: 'finish', sent: 0 });
    await idleChild.next<CacheResultMessage>('result');
    await idleChild.exit();

    const started = performance.now();
    const child = startMemoryChild(['cache', String(MAX_BYTES), String(BODY_BYTES)]);
    const ready = await child.next<{ port: number; baseline: MemoryReading }>('ready');
    const half = CACHE_URLS / 2;
    const warm = await requestItems(ready.port, 0, CACHE_WARM_URLS);
    child.send({ type: 'measure' });
    const atWarm = await child.next<CacheBoundsMeasure>('measured');
    const first = await requestItems(ready.port, CACHE_WARM_URLS, half);
    child.send({ type: 'measure' });
    const atHalf = await child.next<CacheBoundsMeasure>('measured');
    const second = await requestItems(ready.port, half, CACHE_URLS);
    child.send({ type: 'measure' });
    const atEnd = await child.next<CacheBoundsMeasure>('measured');
    child.send({ type: 'finish', sent: CACHE_URLS });
    const { result, peakRss, final } = await child.next<CacheResultMessage>('result');
    const exitCode = await child.exit();
    const elapsedS = (performance.now() - started) / 1000;

    const base = ready.baseline;
    const retainedAt = (m: MemoryReading) => m.heapUsed + m.external - base.heapUsed - base.external;
    // Before the bound is reached (5,000 entries of ~1 KB in 16 MiB), every stored entry is still there.
    const perEntry = retainedAt(atWarm) / atWarm.stored;
    // Each entry counts at least its body against maxBytes: no more entries than this fit.
    const maxEntries = Math.floor(MAX_BYTES / BODY_BYTES);
    const retainedBound = maxEntries * perEntry + MARGIN;
    const evictions = atEnd.stored - result.retained;
    const firstHalfPeak = Math.max(atWarm.segmentPeakRss, atHalf.segmentPeakRss);
    const statuses = [warm, first, second].reduce((a, b) => ({
      ok: a.ok + b.ok,
      other: a.other + b.other,
      errors: a.errors + b.errors,
    }));
    recordCase({
      scenario: '5-memory-bounds',
      case: 'response cache: memory store, 100,000 URLs',
      figures: {
        'URLs requested (each once, 16 connections)': statuses.ok + statuses.other,
        '200 answers / other / socket errors': `${statuses.ok} / ${statuses.other} / ${statuses.errors}`,
        'body size (bytes)': BODY_BYTES,
        'maxBytes (bound, MB)': mb(MAX_BYTES),
        'responses stored': atEnd.stored,
        'entries retained': result.retained,
        'body bytes of the retained entries (MB)': mb(result.retainedBodyBytes),
        'evictions (stored − retained)': evictions,
        'no traffic (own process): RSS / heap used (MB)': `${mb(idleReady.baseline.rss)} / ${mb(idleReady.baseline.heapUsed)}`,
        'memory per entry after GC (heap + external), measured at 5,000 entries (bytes)': Math.round(perEntry),
        'external memory after GC at the end / when the store was cleared (MB)': `${mb(atEnd.external)} / ${mb(final.external)}`,
        'retained after GC at the end (MB; bound = maxBytes / body × per entry + 16 MB)': `${mb(retainedAt(atEnd))} (bound ${mb(retainedBound)})`,
        'peak RSS, first / second half of the URLs (MB)': `${mb(firstHalfPeak)} / ${mb(atEnd.segmentPeakRss)}`,
        'peak RSS (MB)': mb(peakRss),
        'RSS after GC at the end (MB)': mb(atEnd.rss),
        'elapsed (s)': +elapsedS.toFixed(1),
      },
    });

    expect(exitCode).toBe(0);
    expect(statuses).toEqual({ ok: CACHE_URLS, other: 0, errors: 0 });
    expect(atWarm.stored).toBe(CACHE_WARM_URLS);
    expect(atEnd.stored).toBe(CACHE_URLS);
    expect(result.newestRetained).toBe(true);
    expect(result.retained).toBeGreaterThan(0);
    expect(result.retained).toBeLessThanOrEqual(maxEntries);
    expect(result.retainedBodyBytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(evictions).toBeGreaterThanOrEqual(CACHE_URLS - maxEntries);
    expect(retainedAt(atEnd)).toBeLessThanOrEqual(retainedBound);
    expect(atEnd.segmentPeakRss).toBeLessThanOrEqual(firstHalfPeak + PLATEAU_SLACK);
  }, 400_000);
});
