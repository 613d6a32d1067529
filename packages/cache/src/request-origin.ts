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

/**
 * The host name of a `Host` value the way Express 4 and 5 derive `req.hostname` from it: the port
 * is cut off, an IPv6 literal (`[::1]:3000`) keeps its brackets; `undefined` when empty or absent.
 */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const offset = host[0] === '[' ? host.indexOf(']') + 1 : 0;
  const index = host.indexOf(':', offset);
  return index !== -1 ? host.substring(0, index) : host;
}

/**
 * `requestOrigin` for a stream of requests, cheaper: without `X-Forwarded-Proto` and
 * `X-Forwarded-Host`, Express's getters return the socket's protocol and the `Host` header's name
 * whatever `trust proxy` says, so those are read directly (no getters, no trust function); the
 * last origin is remembered. Requests with either forwarded header go through the getters.
 */
export function originReader(): (req: Request) => string {
  let lastHost: string | undefined;
  let lastSecure = false;
  let lastOrigin: string | undefined;
  return function originOf(req: Request): string {
    const headers = req.headers;
    if (headers['x-forwarded-proto'] !== undefined || headers['x-forwarded-host'] !== undefined) {
      return requestOrigin(req);
    }
    const host = headers.host;
    const secure = Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted);
    if (lastOrigin !== undefined && host === lastHost && secure === lastSecure) return lastOrigin;
    const origin = keyOrigin(secure ? 'https' : 'http', hostnameOf(host));
    lastHost = host;
    lastSecure = secure;
    lastOrigin = origin;
    return origin;
  };
}
