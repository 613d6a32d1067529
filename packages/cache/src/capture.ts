/**
 * Buffers what a handler writes to `res` instead of sending it, so the cache can store it and then
 * serve it (or something else). Responses that stream (`text/event-stream`, `flushHeaders()`) or
 * outgrow `maxBytes` switch to pass-through: what was buffered is sent and the rest flows as usual.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

export interface Captured {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

export type CaptureResult =
  | { readonly kind: 'complete'; readonly response: Captured }
  /** The response went to the client as it was written; `reason` says why. */
  | { readonly kind: 'passed-through'; readonly reason: 'event-stream' | 'streaming' | 'too-large' }
  /** The client went away before the handler finished. */
  | { readonly kind: 'aborted' };

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

export interface Capture {
  /** Settles when the handler ends the response (or it passes through / the client goes away). */
  readonly result: Promise<CaptureResult>;
  /** Restores `res` and sends exactly what the handler produced (after a `complete` result). */
  release(): void;
  /** Restores `res`'s own methods without sending anything (the caller sends instead). */
  restore(): void;
}

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function isEventStream(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');
}

export function capture(
  res: ServerResponse,
  maxBytes: number,
  onPassThrough: (reason: 'event-stream' | 'streaming' | 'too-large') => void = () => {},
): Capture {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  let restored = false;
  let resolve: (result: CaptureResult) => void = () => {};
  const result = new Promise<CaptureResult>((done) => {
    resolve = done;
  });

  const restore = (): void => {
    if (restored) return;
    restored = true;
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  };
  const settle = (value: CaptureResult): void => {
    if (settled) return;
    settled = true;
    resolve(value);
  };
  const passThrough = (reason: 'event-stream' | 'streaming' | 'too-large'): void => {
    restore();
    if (!res.headersSent) onPassThrough(reason);
    settle({ kind: 'passed-through', reason });
    if (chunks.length > 0) res.write(Buffer.concat(chunks));
    chunks.length = 0;
  };

  res.on('close', () => settle({ kind: 'aborted' }));

  res.writeHead = function writeHead(this: ServerResponse, status: number, ...rest: unknown[]): ServerResponse {
    res.statusCode = status;
    const headers = rest.find((arg) => typeof arg === 'object' && arg !== null);
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers) {
      for (const [name, value] of Object.entries(headers as Record<string, string | number | string[]>)) {
        res.setHeader(name, value);
      }
    }
    return res;
  } as ServerResponse['writeHead'];

  res.flushHeaders = function flushHeaders(): void {
    passThrough('streaming');
    res.flushHeaders();
  };

  /**
   * Buffers one chunk of the body. Returns `true` when it was buffered; otherwise the capture has
   * switched to pass-through and the caller writes the chunk itself: as given for an event stream,
   * or the returned buffer when the body outgrew `maxBytes`.
   */
  const take = (chunk: Chunk, encoding: unknown): true | 'event-stream' | Buffer => {
    if (isEventStream(res)) {
      passThrough('event-stream');
      return 'event-stream';
    }
    const buffer = toBuffer(chunk, encoding);
    if (size + buffer.length > maxBytes) {
      passThrough('too-large');
      return buffer;
    }
    chunks.push(buffer);
    size += buffer.length;
    return true;
  };

  res.write = function write(chunk: Chunk, encoding?: unknown, callback?: unknown): boolean {
    const cb = (typeof encoding === 'function' ? encoding : callback) as Callback | undefined;
    const taken = take(chunk, encoding);
    if (taken === 'event-stream') return res.write(chunk, encoding as BufferEncoding, cb);
    if (taken !== true) return res.write(taken, cb);
    if (cb) process.nextTick(cb);
    return true;
  } as ServerResponse['write'];

  res.end = function end(chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
    const cb = [chunk, encoding, callback].find((arg) => typeof arg === 'function') as Callback | undefined;
    const data = typeof chunk === 'function' ? undefined : (chunk as Chunk | null | undefined);
    if (data !== undefined && data !== null) {
      const taken = take(data, encoding);
      if (taken === 'event-stream') return res.end(data, encoding as BufferEncoding, cb);
      if (taken !== true) return res.end(taken, cb);
    }
    if (cb) res.once('finish', () => cb());
    settle({
      kind: 'complete',
      response: { status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks) },
    });
    return res;
  } as ServerResponse['end'];

  return {
    result,
    restore,
    release() {
      restore();
      const body = Buffer.concat(chunks);
      chunks.length = 0;
      res.end(body);
    },
  };
}
