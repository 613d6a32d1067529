import v8 from 'node:v8';
import vm from 'node:vm';
import { channel } from '@expresskit/core';
import type { ExpressFactory } from '@expresskit/testing';
import request from 'supertest';
import { type Metrics, metrics } from '../metrics.js';

/**
 * A metrics instance with every series this package emits holding samples: requests through a
 * real Express app (with body sizes) and one event of each kind on the expresskit channels.
 * Returns the instance and its Prometheus text and OpenMetrics output.
 */
export async function populatedMetrics(
  express: ExpressFactory,
): Promise<{ m: Metrics; text: string; openMetrics: string }> {
  // a cap of 2 label sets per metric, so that the overflow counter has samples too
  const m = metrics({ bodySizes: true, maxLabelSets: 2 });
  const app = express();
  app.use(m.middleware);
  app.get('/metrics', m.handler);
  app.get('/products/:id', (_req, res) => {
    res.json({ id: 1 });
  });
  await request(app).get('/products/1').expect(200);
  await request(app).get('/missing').expect(404);
  await request(app).get('/products/2?fail=1').expect(200);
  await request(app).delete('/products/3').expect(404);
  await request(app).get('/metrics').expect(200);

  const cache = channel('expresskit:cache');
  for (const type of ['hit', 'miss', 'stale', 'bypass', 'store'] as const)
    cache.publish({ type, route: '/products/:id' });
  cache.publish({ type: 'invalidate', tags: ['p'], remote: false });
  cache.publish({ type: 'error', route: '/products/:id', operation: 'l2-get', error: new Error('down') });
  const rateLimit = channel('expresskit:rate-limit');
  rateLimit.publish({ type: 'allowed', policy: 'api', violated: [], keyHash: 'k', remaining: 1, shadow: false });
  rateLimit.publish({ type: 'limited', policy: 'api', violated: ['api'], keyHash: 'k', remaining: 0, shadow: false });
  rateLimit.publish({ type: 'store-error', store: 'redis', policy: 'fail-open' });
  rateLimit.publish({ type: 'degraded', store: 'redis', policy: 'fail-open' });
  const health = channel('expresskit:health');
  health.publish({ type: 'check', check: 'redis:ping', status: 'pass', critical: true, durationMs: 3 });
  health.publish({ type: 'state', probe: 'ready', status: 'pass', previous: undefined });

  // a garbage collection, so that prom-client's GC histogram has samples
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let text = '';
  for (let attempt = 0; attempt < 100 && !text.includes('nodejs_gc_duration_seconds_sum'); attempt++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    text = (await request(app).get('/metrics').expect(200)).text;
  }
  const openMetrics = (await request(app).get('/metrics').set('Accept', 'application/openmetrics-text').expect(200))
    .text;
  return { m, text, openMetrics };
}
