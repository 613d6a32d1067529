import { isProblemError, ProblemError, sendProblem } from '@expresskit/core';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/** Where unexpected errors are reported (`console` in `server.ts`, silent or captured in tests). */
export interface Logger {
  error(message: string, error?: unknown): void;
}

/** Unknown routes: a 404 problem instead of Express's HTML page. */
export const notFound: RequestHandler = function notFound(req, res) {
  sendProblem(res, {
    status: 404,
    detail: `No route for ${req.method} ${req.path}`,
  });
};

/**
 * The last middleware: every error becomes RFC 9457 problem details, never an HTML page or a stack
 * trace. Validation errors arrive as `ProblemError`s (thrown by our code or the packages);
 * `express.json()` reports bad bodies with an HTTP status on the error; anything else is a bug,
 * logged here and answered with a bare 500.
 */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return function handleError(error: unknown, req, res, _next) {
    if (isProblemError(error)) {
      sendProblem(res, error);
      return;
    }
    const bodyProblem = bodyParserProblem(error);
    if (bodyProblem) {
      sendProblem(res, bodyProblem);
      return;
    }
    logger.error(`${req.method} ${req.originalUrl} failed`, error);
    sendProblem(res, { status: 500, detail: 'The server could not complete the request' });
  };
}

/**
 * body-parser's errors carry `status` and a `type` such as `entity.parse.failed`; a body that its
 * `Content-Encoding` (gzip, br, deflate) cannot decode arrives as the zlib error with `status` 400
 * and `expose: true` but no `type` (http-errors' mark of a client error).
 */
function bodyParserProblem(error: unknown): ProblemError | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  if (!('type' in error) && !('expose' in error && error.expose === true)) return undefined;
  const { type, status } = error as { type?: unknown; status: unknown };
  switch (type) {
    case 'entity.parse.failed':
      return new ProblemError(400, { title: 'Invalid JSON', detail: 'The request body is not valid JSON' });
    case 'entity.too.large':
      return new ProblemError(413, { detail: 'The request body is larger than 16 KB' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemError(415, { detail: 'The request body must be UTF-8 encoded JSON' });
    case undefined:
      return status === 400
        ? new ProblemError(400, {
            title: 'Invalid request body',
            detail: 'The request body could not be decoded as its Content-Encoding says',
          })
        : undefined;
    default:
      return typeof status === 'number' && status >= 400 && status < 500
        ? new ProblemError(status, { detail: 'The request could not be read' })
        : undefined;
  }
}

/** JSON media types the write routes accept (`application/merge-patch+json` for PATCH). */
export const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

/**
 * A write without a JSON body is a 415 that says what is accepted, rather than a confusing
 * "name is required" for a form-encoded body that `express.json()` skipped.
 */
export const requireJsonBody: RequestHandler = function requireJsonBody(req, _res, next) {
  if (req.is(JSON_TYPES)) return next();
  next(
    new ProblemError(415, {
      detail: `The request body must be JSON (Content-Type: ${JSON_TYPES.join(' or ')})`,
      // RFC 5789 §3.1 / the W3C LDP `Accept-Post`: tell the client what it may send instead.
      headers: { [req.method === 'PATCH' ? 'Accept-Patch' : 'Accept-Post']: JSON_TYPES.join(', ') },
    }),
  );
};
