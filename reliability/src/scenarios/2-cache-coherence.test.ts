import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRedis } from '@expresskit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AppProcess, startAppProcess, stopAllApps } from '../lib/app-process.js';
import { metricValue, percentile, type RedisBackend, redisBackends } from '../lib/redis-backends.js';
import { recordCase } from '../lib/results.js';

/** Products 101–150: one cold product per iteration. */
const ITERATIONS = 50;
const FIRST_ID = 101;
/** The bound of the issue: a read sent this long after the PATCH's response must see the new version. */
const BOUND_MS = 100;
/** Pause between reads while B still answers the old version; polling gives up after GIVE_UP_MS. */
const POLL_MS = 5;
const GIVE_UP_MS = 5_000;

interface Product {
  id: number;
  stock: number;
  [member: string]: unknown;
}

/** One read through B after the PATCH: when it was sent (ms after the PATCH's response) and what it got. */
interface Read {
  sentAfterMs: number;
  status: number;
  etag: string | null;
  stale: boolean;
}

describeRedis.each(redisBackends)('2. cache coherence: A and B on $label and one database file', ({ label, start }) => {
  let backend: RedisBackend;
  let dir: string;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    backend = await start();
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-scenario-2-'));
    const env = {
      ...backend.env,
      DATABASE_FILE: path.join(dir, 'catalog.sqlite'),
      RATE_LIMIT: '60000000', // the limiter is not what this scenario measures
      CURSOR_SECRET: 'reliability-suite-cursor-secret',
    };
    // Started together: one seeds the file under its lock, the other waits and loads it.
    [a, b] = await Promise.all([startAppProcess({ name: 'a', env }), startAppProcess({ name: 'b', env })]);
  });
  afterAll(async () => {
    await stopAllApps();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`a PATCH through A is what B serves within ${BOUND_MS} ms, ${ITERATIONS} times (new body, new ETag, no 304 for the old ETag)`, async () => {
    const reads: Read[] = [];
    const coherentAfterMs: number[] = [];
    const fills: string[] = [];
    const refills: string[] = [];
    const patches: string[] = [];
    const patchMs: number[] = [];
    let notCoherent = 0;
    const staleHeaders = new Set<string>();
    const diagnoses: string[] = [];
    let firstReadFresh = 0;
    let shedReads = 0;
    let shedRetries = 0;
    /** GET/PATCH that a client would retry when the app sheds load (503 from underPressure), bounded. */
    const send = async (url: string, init?: RequestInit): Promise<Response> => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(url, init);
        if (res.status !== 503 || attempt === 20) return res;
        await res.arrayBuffer();
        shedRetries++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    for (let i = 0; i < ITERATIONS; i++) {
      const id = FIRST_ID + i;
      // 1. B fills its cache: a MISS that is stored, then a HIT.
      const miss = await send(`${b.url}/products/${id}`);
      const before = (await miss.json()) as Product;
      const oldEtag = miss.headers.get('etag') ?? '';
      const hit = await send(`${b.url}/products/${id}`);
      await hit.arrayBuffer();
      fills.push(
        `${miss.status} ${before.id === id} ${miss.headers.get('x-cache')} ${miss.headers.get('cache-status')} → ${hit.headers.get('x-cache')} ${hit.headers.get('cache-status')?.replace(/ttl=\d+$/, 'ttl=N')} ${hit.headers.get('etag') === oldEtag}`,
      );

      // 2. A changes the product (stock values of the seed are below 500: 1000 + i is always new).
      const patchSent = performance.now();
      const patch = await send(`${a.url}/products/${id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'If-Match': oldEtag },
        body: JSON.stringify({ stock: 1000 + i }),
      });
      const after = (await patch.json()) as Product;
      const patchedAt = performance.now();
      patchMs.push(patchedAt - patchSent);
      const newEtag = patch.headers.get('etag') ?? '';
      patches.push(`${patch.status} ${after.stock === 1000 + i} ${newEtag !== oldEtag && newEtag !== ''}`);
      if (patch.status !== 200) continue; // nothing changed: reported by the assertion on \`patches\`

      // 3. B, asked with the OLD ETag, until it answers the new version (200, new ETag and body).
      let coherent = false;
      let first = true;
      while (!coherent && performance.now() - patchedAt < GIVE_UP_MS) {
        const sentAfterMs = performance.now() - patchedAt;
        const res = await fetch(`${b.url}/products/${id}`, { headers: { 'If-None-Match': oldEtag } });
        const text = await res.text();
        if (res.status === 503) {
          // Shed by underPressure (event loop over 1 s on an overloaded machine): no answer, not stale.
          shedReads++;
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
        const etag = res.headers.get('etag');
        coherent = res.status === 200 && etag === newEtag && text === JSON.stringify(after);
        reads.push({ sentAfterMs, status: res.status, etag, stale: !coherent });
        if (!coherent)
          staleHeaders.add(
            `${res.status} ${res.headers.get('x-cache')} (${res.headers.get('cache-status')?.replace(/ttl=\d+/, 'ttl=N')})`,
          );
        if (coherent) {
          coherentAfterMs.push(sentAfterMs);
          if (first) firstReadFresh++;
        } else {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
        first = false;
      }
      if (!coherent) {
        notCoherent++;
        // Which copy is stale: B's database (a read under another cache key runs B's handler) or a
        // cache entry (then A, reading the shared L2, may get it too)?
        const viaFields = await fetch(`${b.url}/products/${id}?fields=stock`);
        const bDatabase = (await viaFields.json()) as { stock: number };
        const fromA = await fetch(`${a.url}/products/${id}`);
        await fromA.arrayBuffer();
        const aViaFields = await fetch(`${a.url}/products/${id}?fields=id,stock`);
        const aDatabase = (await aViaFields.json()) as { stock: number };
        diagnoses.push(
          `product ${id}: B answered ${[...staleHeaders].join(' / ')} for ${GIVE_UP_MS} ms; ` +
            `B's handler (?fields=stock, ${viaFields.headers.get('x-cache')}) read stock ${bDatabase.stock} ` +
            `(${bDatabase.stock === 1000 + i ? 'new' : 'old'}); A answered ${fromA.headers.get('x-cache')} with the ` +
            `${fromA.headers.get('etag') === newEtag ? 'new' : 'old'} ETag and its handler read stock ${aDatabase.stock}`,
        );
      }
      staleHeaders.clear();

      // 4. B stored the new version (a HIT with the new ETag) and answers 304 to it; A agrees.
      const refilled = await send(`${b.url}/products/${id}`);
      await refilled.arrayBuffer();
      const revalidated = await send(`${b.url}/products/${id}`, { headers: { 'If-None-Match': newEtag } });
      await revalidated.arrayBuffer();
      const fromA = await send(`${a.url}/products/${id}`);
      await fromA.arrayBuffer();
      refills.push(
        `${refilled.headers.get('x-cache')} ${refilled.headers.get('etag') === newEtag} ${revalidated.status} ${fromA.headers.get('etag') === newEtag}`,
      );
    }

    const [metricsA, metricsB] = await Promise.all(
      [a, b].map(async (app) => (await fetch(`${app.url}/metrics`)).text()),
    );
    if (diagnoses.length > 0) {
      // What the processes logged about Redis (connection errors, timeouts) explains a lost invalidation.
      for (const app of [a, b]) {
        const lines = app
          .output()
          .split('\n')
          .filter((line) => /redis|cache/i.test(line) && !/listening on/.test(line));
        diagnoses.push(`${app.name} logged: ${lines.slice(-5).join(' | ') || 'nothing about Redis'}`);
      }
    }
    const stale = reads.filter((read) => read.stale);
    const staleBeyond = stale.filter((read) => read.sentAfterMs >= BOUND_MS);
    recordCase({
      scenario: '2-cache-coherence',
      case: `A and B, ${label}`,
      figures: {
        'products patched through A': ITERATIONS,
        'reads through B after the PATCH': reads.length,
        'first read after the PATCH already fresh': firstReadFresh,
        'stale reads (sent < 100 ms after the PATCH response)': stale.length - staleBeyond.length,
        'stale reads sent ≥ 100 ms after the PATCH response': staleBeyond.length,
        '304 for the old ETag': reads.filter((read) => read.status === 304).length,
        'iterations never coherent (5 s)': notCoherent,
        'time to coherent, p50 (ms)': Math.round(percentile(coherentAfterMs, 50) * 10) / 10,
        'time to coherent, worst (ms)': Math.round(Math.max(0, ...coherentAfterMs) * 10) / 10,
        'PATCH through A (lock, write, save the file, invalidate), p50 (ms)': Math.round(percentile(patchMs, 50)),
        'invalidations sent by A (local)': metricValue(metricsA ?? '', 'expresskit_cache_invalidations_total', {
          source: 'local',
        }),
        'invalidations B received over the bus (remote, incl. its start-up flush)': metricValue(
          metricsB ?? '',
          'expresskit_cache_invalidations_total',
          { source: 'remote' },
        ),
        'cache errors (Redis timeouts or failures), A + B':
          metricValue(metricsA ?? '', 'expresskit_cache_errors_total', {}) +
          metricValue(metricsB ?? '', 'expresskit_cache_errors_total', {}),
        'requests retried after a 503 (load shedding), fills and PATCHes': shedRetries,
        'reads after the PATCH shed with 503 (not counted as stale)': shedReads,
        'never-coherent iterations, diagnosed': diagnoses.length > 0 ? diagnoses.join('; ') : 'none',
        'worst staleness observed (ms)': Math.round(Math.max(0, ...stale.map((read) => read.sentAfterMs)) * 10) / 10,
      },
    });

    expect(patches).toEqual(Array.from({ length: ITERATIONS }, () => '200 true true'));
    expect(notCoherent).toBe(0);
    expect(staleBeyond).toEqual([]);
    expect(coherentAfterMs).toHaveLength(ITERATIONS);
    expect(fills).toEqual(
      Array.from(
        { length: ITERATIONS },
        () => '200 true MISS expresskit; fwd=miss; stored → HIT expresskit; hit; ttl=N true',
      ),
    );
    expect(refills).toEqual(Array.from({ length: ITERATIONS }, () => 'HIT true 304 true'));
  });
});
