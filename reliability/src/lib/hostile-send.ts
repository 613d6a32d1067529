import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import type { HostileRequest } from './hostile-requests.js';

/** What came back for one request of scenario 4, with the body decoded (`Content-Encoding` removed). */
export interface HostileAnswer {
  /** `undefined` when no response arrived (connection error or timeout: see `error`). */
  status: number | undefined;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Why there is no status, or why the body could not be decoded. */
  error?: string;
  elapsedMs: number;
}

function decode(coding: string | undefined, body: Buffer): Buffer {
  switch (coding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return body;
    case 'br':
      return zlib.brotliDecompressSync(body);
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    default:
      throw new Error(`unknown Content-Encoding ${coding}`);
  }
}

function flatten(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

function finish(
  status: number,
  headers: Record<string, string | undefined>,
  raw: Buffer,
  started: number,
): HostileAnswer {
  const elapsedMs = performance.now() - started;
  // A HEAD (or 304) answer announces its Content-Encoding but has no body to decode.
  if (raw.length === 0) return { status, headers, body: raw, elapsedMs };
  try {
    return { status, headers, body: decode(headers['content-encoding'], raw), elapsedMs };
  } catch (error) {
    return { status, headers, body: raw, error: `body not decodable: ${(error as Error).message}`, elapsedMs };
  }
}

function sendHttp(agent: http.Agent, port: number, request: HostileRequest, timeoutMs: number): Promise<HostileAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: HostileAnswer): void => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    const flatHeaders = request.headers.flat();
    const hasHost = request.headers.some(([name]) => name.toLowerCase() === 'host');
    const req = http.request({
      agent,
      host: '127.0.0.1',
      port,
      method: request.method,
      path: request.path,
      headers: hasHost ? flatHeaders : ['Host', `127.0.0.1:${port}`, ...flatHeaders],
      setHost: false,
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      done({
        status: undefined,
        headers: {},
        body: Buffer.alloc(0),
        error: error.message,
        elapsedMs: performance.now() - started,
      }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(finish(res.statusCode ?? 0, flatten(res.headers), Buffer.concat(chunks), started)));
      res.on('error', (error) =>
        done({
          status: res.statusCode,
          headers: flatten(res.headers),
          body: Buffer.alloc(0),
          error: error.message,
          elapsedMs: performance.now() - started,
        }),
      );
    });
    req.end(request.body);
  });
}

/** Decodes `Transfer-Encoding: chunked` (enough for what a Node server sends). */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Writes `request.raw` on its own connection and parses whatever HTTP/1.1 answer comes back before the close. */
function sendRaw(port: number, request: HostileRequest, timeoutMs: number): Promise<HostileAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    let failure: string | undefined;
    socket.on('error', (error) => {
      failure = error.message;
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      const data = Buffer.concat(chunks);
      const headEnd = data.indexOf('\r\n\r\n');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 20).toString('latin1'));
      if (!match || headEnd === -1) {
        resolve({
          status: undefined,
          headers: {},
          body: data,
          error: failure ?? `no HTTP answer (${data.length} bytes)`,
          elapsedMs: performance.now() - started,
        });
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const line of data.subarray(0, headEnd).toString('latin1').split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = data.subarray(headEnd + 4);
      const body = headers['transfer-encoding']?.toLowerCase() === 'chunked' ? dechunk(rest) : rest;
      resolve(finish(Number(match[1]), headers, body, started));
    });
    socket.end(Buffer.from(request.raw ?? '', 'latin1'));
  });
}

/**
 * Sends every request to `127.0.0.1:port`, `concurrency` in flight (keep-alive connections; raw
 * requests on their own), and calls `onAnswer` for each, in completion order. Never rejects: a
 * request without an answer within `timeoutMs` is reported with `status: undefined`.
 */
export async function sendAll(
  port: number,
  requests: readonly HostileRequest[],
  options: { concurrency: number; timeoutMs: number },
  onAnswer: (request: HostileRequest, answer: HostileAnswer) => void,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++];
      if (request === undefined) break;
      const answer = request.raw
        ? await sendRaw(port, request, options.timeoutMs)
        : await sendHttp(agent, port, request, options.timeoutMs);
      onAnswer(request, answer);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
}
