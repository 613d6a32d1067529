import express, { type Express } from 'express';
import { PAYLOAD, ROUTE } from '../payload.js';
import { type BenchServer, plain } from './types.js';

/** Express 5 as users run it: `x-powered-by` off, everything else default (weak ETag included). */
export function bareExpress(): Express {
  const app = express();
  app.disable('x-powered-by');
  return app;
}

/** The ceiling: `node:http` answering the same JSON as `res.json()` would (stringified per request). */
export function nodeHttp(): BenchServer {
  return plain((req, res) => {
    if (req.method === 'GET' && req.url === ROUTE) {
      const body = JSON.stringify(PAYLOAD);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
}

/** The baseline: bare Express 5, `res.json(PAYLOAD)` on the route. */
export function expressBaseline(): BenchServer {
  const app = bareExpress();
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  return plain(app);
}
