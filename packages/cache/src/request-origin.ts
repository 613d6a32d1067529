/** The effective origin of an Express request for the cache key. */
import type { Request } from 'express';
import { keyOrigin } from './key.js';

/**
 * `req.protocol` + `req.hostname`: Express honours `trust proxy` for both (`X-Forwarded-Proto`,
 * the first `X-Forwarded-Host`), on Express 4 and 5 alike. The port is not part of it (see README).
 */
export function requestOrigin(req: Request): string {
  return keyOrigin(req.protocol, req.hostname);
}
