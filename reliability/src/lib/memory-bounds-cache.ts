import diagnostics_channel from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore, responseCache } from '@expresskit/cache';
import express from 'express';
import { type MemoryReading, type MemorySampler, settledMemory } from './memory-bounds-sampler.js';

/** The JSON body of `/items/:id`: about `size` bytes, different for every id (a seeded text). */
export function itemBody(id: number, size: number): string {
  let seed = (id * 2_654_435_761) >>> 0;
  let text = '';
  while (text.length < size - 60) {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    text += `${(seed >>> 8).toString(36)} `;
  }
  return JSON.stringify({ id, name: `Item ${id}`, text: text.slice(0, size - 60) });
}

/** The cache key of `GET /items/<id>` on 127.0.0.1 (the README's key format: method, path, origin). */
const keyOf = (id: number): string => `GET /items/${id} http://127.0.0.1`;

export interface CacheBoundsMeasure extends MemoryReading {
  /** Responses the cache reported storing (`store` events on `expresskit:cache`). */
  stored: number;
  /** The highest RSS since the previous measure. */
  segmentPeakRss: number;
}

export interface CacheBoundsResult {
  maxBytes: number;
  bodyBytes: number;
  /** Entries of `/items/0 … /items/<sent - 1>` still in the memory store. */
  retained: number;
  /** Body bytes of the retained entries (the store also counts headers and bookkeeping). */
  retainedBodyBytes: number;
  /** Whether the newest item is among them (it must be: least recently used goes first). */
  newestRetained: boolean;
}

/**
 * Scenario 5's cache process: an Express 5 app whose `/items/:id` goes through `responseCache()`
 * with a memory store of `maxBytes` (no L2), listening on 127.0.0.1. The test drives it over HTTP
 * and asks it, over IPC, for settled memory readings and finally for what the store retained.
 */
export async function serveCacheBounds(
  maxBytes: number,
  bodyBytes: number,
  sampler: MemorySampler,
): Promise<{
  port: number;
  baseline: MemoryReading;
  measure(): CacheBoundsMeasure;
  finish(sent: number): Promise<CacheBoundsResult>;
}> {
  const memory = memoryStore({ maxBytes });
  // An hour: nothing expires during the run, so the only way out of the store is eviction.
  const cache = responseCache({ memory, ttl: '1h', compress: false });
  let stored = 0;
  // The cache's events (`expresskit:cache`, see @expresskit/core's CacheEvent): count the stores.
  const onEvent = (event: unknown): void => {
    if ((event as { type?: unknown }).type === 'store') stored += 1;
  };
  diagnostics_channel.subscribe('expresskit:cache', onEvent);
  const unsubscribe = (): void => {
    diagnostics_channel.unsubscribe('expresskit:cache', onEvent);
  };
  const app = express();
  app.disable('x-powered-by');
  app.get('/items/:id', cache, (req, res) => {
    res.type('json').send(itemBody(Number(req.params.id), bodyBytes));
  });
  const server = createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    baseline: settledMemory(),
    measure: () => {
      const segmentPeakRss = sampler.mark();
      return { ...settledMemory(), stored, segmentPeakRss };
    },
    async finish(sent) {
      let retained = 0;
      let retainedBodyBytes = 0;
      let newestRetained = false;
      for (let id = 0; id < sent; id++) {
        const entry = await memory.get(keyOf(id));
        if (entry === undefined) continue;
        retained += 1;
        retainedBodyBytes += entry.body.length;
        if (id === sent - 1) newestRetained = true;
      }
      unsubscribe();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cache.close();
      return { maxBytes, bodyBytes, retained, retainedBodyBytes, newestRetained };
    },
  };
}
