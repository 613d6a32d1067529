import { fields } from '@expresskit/fields';
import { metrics } from '@expresskit/metrics';
import type { RequestHandler } from 'express';
import partialResponse from 'express-partial-response';
import promBundle from 'express-prom-bundle';
import { Registry } from 'prom-client';
import { PAYLOAD, ROUTE } from '../payload.js';
import { bareExpress } from './basic.js';
import { type BenchServer, plain } from './types.js';

/** Our metrics, without Node process metrics (express-prom-bundle collects none by default either). */
export function oursMetrics(): BenchServer {
  const m = metrics({ defaultMetrics: false });
  const app = bareExpress();
  app.use(m.middleware);
  app.get('/metrics', m.handler);
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return {
    handler: app,
    close: async () => m.close(),
  };
}

/** express-prom-bundle with method, path and status labels on its own registry, `/metrics` included. */
export function promBundleMetrics(): BenchServer {
  const app = bareExpress();
  app.use(
    promBundle({
      includeMethod: true,
      includePath: true,
      includeStatusCode: true,
      promRegistry: new Registry(),
      metricsPath: '/metrics',
    }) as unknown as RequestHandler,
  );
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return plain(app);
}

export function oursFields(): BenchServer {
  const app = bareExpress();
  app.use(fields());
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return plain(app);
}

export function partialResponseFields(): BenchServer {
  const app = bareExpress();
  app.use(partialResponse());
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return plain(app);
}
