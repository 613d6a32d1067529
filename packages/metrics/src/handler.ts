import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProblemError, sendProblem } from '@expresskit/core';
import type { Histogram } from 'prom-client';
import { formatExposition, type MetricFamily } from './exposition.js';
import { contentTypeOf, negotiateFormat } from './negotiate.js';
import type { ResolvedOptions, ScrapeAuth } from './options.js';

/** Requests answered by a scrape handler: the request middleware does not record them. */
export const scrapeRequests = new WeakSet<IncomingMessage>();

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

async function authorize(auth: ScrapeAuth, req: IncomingMessage): Promise<ProblemError | undefined> {
  if (typeof auth === 'function') {
    if (await auth(req)) return undefined;
    return new ProblemError(403, { detail: 'This client may not read the metrics.' });
  }
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(auth.bearer))) return undefined;
  return new ProblemError(401, {
    detail: header === '' ? 'A bearer token is required to read the metrics.' : 'The bearer token is not valid.',
    headers: {
      'WWW-Authenticate': header === '' ? 'Bearer realm="metrics"' : 'Bearer realm="metrics", error="invalid_token"',
    },
  });
}

export interface ScrapeDeps {
  readonly options: ResolvedOptions;
  /** The families to expose (the registry's, or the cluster's). */
  readonly collect: () => Promise<MetricFamily[]>;
  readonly scrapeDuration: Histogram<'format'>;
}

/**
 * Problems carry `type: 'about:blank'` (RFC 9457 §4.2.1): a 401, 403, 405 or 500 here means
 * nothing beyond its status code, and `detail` says which case it is.
 *
 * The scrape handler: `GET`/`HEAD` only, optional bearer-token or predicate protection, then the
 * registry in the negotiated format with its exact `Content-Type`. Works as Express middleware
 * and as a plain `node:http` request listener. The query string is ignored.
 */
export function createHandler(deps: ScrapeDeps): (req: IncomingMessage, res: ServerResponse, next?: unknown) => void {
  const { options } = deps;
  const fail = (problem: ProblemError, req: IncomingMessage, res: ServerResponse): void => {
    if (options.onError === undefined) {
      sendProblem(res, problem);
      return;
    }
    try {
      options.onError(problem, req, res);
    } catch {
      sendProblem(res, problem);
    }
  };

  return function metricsHandler(req: IncomingMessage, res: ServerResponse): void {
    scrapeRequests.add(req);
    const started = process.hrtime.bigint();
    const run = async (): Promise<void> => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return fail(
          new ProblemError(405, {
            detail: `The metrics endpoint answers GET and HEAD, not ${req.method ?? 'this method'}.`,
            headers: { Allow: 'GET, HEAD' },
          }),
          req,
          res,
        );
      }
      if (options.auth !== undefined) {
        let denied: ProblemError | undefined;
        try {
          denied = await authorize(options.auth, req);
        } catch (error) {
          denied = new ProblemError(500, { detail: 'The metrics authorization check failed.', cause: error });
        }
        if (denied !== undefined) return fail(denied, req, res);
      }
      const format = negotiateFormat(req.headers.accept);
      let body: string;
      try {
        body = formatExposition(await deps.collect(), format);
      } catch (error) {
        return fail(
          new ProblemError(500, {
            detail: 'A metric collector failed while the registry was read.',
            cause: error,
          }),
          req,
          res,
        );
      }
      deps.scrapeDuration.observe({ format }, Number(process.hrtime.bigint() - started) / 1e9);
      if (res.headersSent) return;
      res.statusCode = 200;
      res.setHeader('Content-Type', contentTypeOf(format));
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Vary', 'Accept');
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    run().catch((error: unknown) => {
      try {
        sendProblem(res, new ProblemError(500, { detail: 'The metrics endpoint failed.', cause: error }));
      } catch {
        res.destroy(); // nothing more can be sent: never leave the scraper hanging
      }
    });
  };
}
