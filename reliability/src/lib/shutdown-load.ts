import { request } from 'node:http';
import type autocannon from 'autocannon';

/** One connection error autocannon saw, with what the server had told that connection before. */
export interface ConnectionError {
  /** `Date.now()` when the error surfaced. */
  at: number;
  /** `ECONNREFUSED`, `ECONNRESET`, `EPIPE`, or the message when there is no code. */
  code: string;
  /** Whether the last response on this connection said `Connection: close` (the server announced the close). */
  announced: boolean;
}

export interface ConnectionLog {
  /** Responses received, with the time and whether each said `Connection: close`. */
  responses: Array<{ at: number; status: number; close: boolean }>;
  errors: ConnectionError[];
  /** autocannon's `setupClient`: attaches the listeners to every connection. */
  setupClient(client: autocannon.Client): void;
}

interface ParserInfo {
  headers?: unknown;
  statusCode?: number;
}

/** Whether a raw `[name, value, name, value…]` header list holds `Connection: close`. */
function saysClose(raw: unknown): boolean {
  if (!Array.isArray(raw)) return false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === 'connection' && /\bclose\b/i.test(String(raw[i + 1]))) return true;
  }
  return false;
}

/**
 * Records, per autocannon connection, every response (and whether it announced `Connection: close`)
 * and every connection error with whether the server had announced the close on that connection.
 * autocannon ignores `Connection: close` and writes its next request at once, so a reset after an
 * announced close is a request the server never read, not one it dropped.
 */
export function connectionLog(): ConnectionLog {
  const log: ConnectionLog = {
    responses: [],
    errors: [],
    setupClient(connection) {
      // autocannon's typings give `headers` the wrong payload (it is http-parser's info object).
      const client = connection as NodeJS.EventEmitter;
      let lastSaidClose = false;
      let status = 0;
      client.on('headers', (info: unknown) => {
        const parsed = info as ParserInfo;
        lastSaidClose = saysClose(parsed.headers);
        status = parsed.statusCode ?? 0;
      });
      client.on('response', () => {
        log.responses.push({ at: Date.now(), status, close: lastSaidClose });
      });
      client.on('connError', (error: NodeJS.ErrnoException) => {
        log.errors.push({ at: Date.now(), code: error.code ?? error.message, announced: lastSaidClose });
        lastSaidClose = false; // autocannon connects again
      });
    },
  };
  return log;
}

/** The outcome of one request on a new connection: `"<status> <body>"` or the error code. */
export interface ProbeOutcome {
  at: number;
  outcome: string;
}

/** GET `path` on a new connection (no keep-alive pool), bounded by `timeoutMs`. */
export function probeNewConnection(port: number, path: string, timeoutMs = 5_000): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ at: Date.now(), outcome: `${res.statusCode} ${body}` }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ at: Date.now(), outcome: error.code ?? 'error' }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ at: Date.now(), outcome: error.code ?? 'error' }));
    req.end();
  });
}

/** The figures of the app's shutdown log lines (examples/api/src/server.ts). */
export interface ShutdownLog {
  signalAt: number | undefined;
  closingAt: number | undefined;
  inFlightAtClose: number | undefined;
  sent: number | undefined;
  sentAfterSignal: number | undefined;
  cutOff: number | undefined;
  drainedMs: number | undefined;
}

export function parseShutdownLog(output: string): ShutdownLog {
  const signal = /^shutdown: SIG\w+ at (\S+),/m.exec(output);
  const closing = /^shutdown: closing the listener at (\S+) \((\d+) requests in flight\)$/m.exec(output);
  const summary =
    /^shutdown: (\d+) responses sent since start \((\d+) after the signal\), (\d+) requests cut off, drained in (\d+) ms$/m.exec(
      output,
    );
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    signalAt: signal?.[1] ? Date.parse(signal[1]) : undefined,
    closingAt: closing?.[1] ? Date.parse(closing[1]) : undefined,
    inFlightAtClose: number(closing?.[2]),
    sent: number(summary?.[1]),
    sentAfterSignal: number(summary?.[2]),
    cutOff: number(summary?.[3]),
    drainedMs: number(summary?.[4]),
  };
}
