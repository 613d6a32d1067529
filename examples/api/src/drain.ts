import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** What a graceful shutdown did to the requests, for the log line operators read after a deploy. */
export interface DrainTally {
  /** Responses sent completely since the server started. */
  readonly answered: number;
  /** Responses sent completely after `markShutdown()`. */
  readonly answeredAfterShutdown: number;
  /** Requests whose connection closed before their response was sent completely (reset, client gone). */
  readonly cutOff: number;
  /** Requests received and not answered yet. */
  readonly inFlight: number;
  /** Call when the shutdown signal arrives. */
  markShutdown(): void;
  /** e.g. `shutdown: 1234 responses sent since start (56 after SIGTERM), 0 requests cut off, drained in 2010 ms`. */
  summary(now?: number): string;
}

/**
 * Counts every response of `server` by how it ended: sent completely, or cut off because its
 * connection closed first. A graceful shutdown should end with `cutOff` at 0 (or only clients
 * that went away by themselves); the scenario tests compare `answered` with what clients received.
 */
export function tallyResponses(server: Server, clock: () => number = Date.now): DrainTally {
  let answered = 0;
  let answeredAfterShutdown = 0;
  let cutOff = 0;
  let inFlight = 0;
  let shutdownAt: number | undefined;
  function onClose(this: ServerResponse): void {
    inFlight--;
    if (!this.writableFinished) cutOff++;
    else {
      answered++;
      if (shutdownAt !== undefined) answeredAfterShutdown++;
    }
  }
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once('close', onClose);
  });
  return {
    get answered() {
      return answered;
    },
    get answeredAfterShutdown() {
      return answeredAfterShutdown;
    },
    get cutOff() {
      return cutOff;
    },
    get inFlight() {
      return inFlight;
    },
    markShutdown() {
      shutdownAt ??= clock();
    },
    summary(now = clock()) {
      const drained = shutdownAt === undefined ? '' : `, drained in ${now - shutdownAt} ms`;
      return `shutdown: ${answered} responses sent since start (${answeredAfterShutdown} after the signal), ${cutOff} requests cut off${drained}`;
    },
  };
}
