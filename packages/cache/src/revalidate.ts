/** Background revalidation: replays a GET through the app on a synthetic request/response pair. */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

interface HandleableApp {
  handle(req: IncomingMessage, res: ServerResponse, done: (error?: unknown) => void): void;
  parent?: HandleableApp;
}

const synthetic = new WeakSet<IncomingMessage>();

/** Whether `req` is a background revalidation request made by `replay`. */
export function isRevalidation(req: IncomingMessage): boolean {
  return synthetic.has(req);
}

/** The outermost Express app `req` went through (sub-apps keep a `parent`). */
function rootApp(req: IncomingMessage): HandleableApp | undefined {
  let app = (req as IncomingMessage & { app?: HandleableApp }).app;
  while (app?.parent) app = app.parent;
  return app;
}

const CONDITIONAL = new Set([
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
]);

/**
 * Replays `req` (as a GET of its original URL, same headers minus conditional ones) through the
 * root app. The middleware recognises the request with `isRevalidation` and stores the result;
 * nothing is sent anywhere. The synthetic socket reports the original client's address (so
 * `req.ip`-keyed middleware sees the same client) and never carries bytes. When the app ends the
 * replay without a response (an error, or no route), `res` emits `close` so the middleware's
 * capture settles and the next stale hit may refresh again; `onError` hears the error. `onSettled`
 * runs once the replay is over without the cache having stored anything yet (ended before the
 * cache middleware, or failed).
 * Returns `false` when there is no app to replay through.
 */
export function replay(
  req: IncomingMessage & { originalUrl?: string },
  onError: (error: Error) => void = () => {},
  onSettled: () => void = () => {},
): boolean {
  const app = rootApp(req);
  if (!app) return false;
  const socket = new Socket();
  const origin = req.socket as Partial<Socket> & { encrypted?: boolean };
  Object.defineProperties(socket, {
    remoteAddress: { value: origin.remoteAddress },
    remoteFamily: { value: origin.remoteFamily },
    remotePort: { value: origin.remotePort },
    encrypted: { value: origin.encrypted },
  });
  const fake = new IncomingMessage(socket);
  fake.method = 'GET';
  fake.url = req.originalUrl ?? req.url ?? '/';
  fake.httpVersionMajor = req.httpVersionMajor;
  fake.httpVersionMinor = req.httpVersionMinor;
  fake.httpVersion = req.httpVersion;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!CONDITIONAL.has(name) && value !== undefined) fake.headers[name] = value;
  }
  fake.push(null);
  synthetic.add(fake);
  const res = new ServerResponse(fake);
  let done = false;
  const finish = (error?: unknown): void => {
    if (done) return;
    done = true;
    socket.destroy();
    if (error !== undefined && error !== null) onError(error instanceof Error ? error : new Error(String(error)));
    if (!res.writableEnded) res.emit('close');
    onSettled();
  };
  // Middleware in front of the cache may answer the replay itself (a rate limiter, an auth check):
  // that response ends here and goes nowhere, and the refresh is over.
  const end = res.end;
  res.end = function endReplay(this: ServerResponse, ...args: unknown[]): ServerResponse {
    res.end = end;
    const ended = (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    finish();
    return ended;
  } as ServerResponse['end'];
  try {
    app.handle(fake, res, finish);
  } catch (error) {
    finish(error);
  }
  return true;
}

/** The keys being refreshed in the background, so that one stale entry starts one refresh. */
export class BackgroundRefresh {
  readonly #started = new Map<string, number>();
  readonly #now: () => number;
  readonly #graceMs: number;

  /** A refresh that has not come back within `graceMs` may be started again. */
  constructor(now: () => number, graceMs: number) {
    this.#now = now;
    this.#graceMs = graceMs;
  }

  /**
   * Replays `req` for `key` unless a refresh of `key` is under way. `running()` tells whether the
   * cache middleware is still handling the replay (its end then calls `done`).
   */
  start(
    req: IncomingMessage & { originalUrl?: string },
    key: string,
    onError: (error: Error) => void,
    running: () => boolean,
  ): void {
    const started = this.#started.get(key);
    if (started !== undefined && this.#now() - started <= this.#graceMs) return;
    this.#started.set(key, this.#now());
    const settled = (): void => {
      if (!running()) this.#started.delete(key);
    };
    if (!replay(req, onError, settled)) this.#started.delete(key);
  }

  /** The refresh of `key` is over (stored or not). */
  done(key: string): void {
    this.#started.delete(key);
  }
}
