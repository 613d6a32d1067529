import type { Duplex } from 'node:stream';

/** The answer for each parser error code Node distinguishes (`http.Server`'s own defaults). */
const ANSWERS: Readonly<Record<string, { status: number; title: string; detail: string }>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    title: 'Request Header Fields Too Large',
    detail: 'The request line and headers are larger than the server accepts (16 KB)',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    title: 'Content Too Large',
    detail: 'The chunk extensions of the request body are larger than the server accepts',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request Timeout',
    detail: 'The request was not received in time',
  },
};

const BAD_REQUEST = { status: 400, title: 'Bad Request', detail: 'The request is not valid HTTP/1.1' };

/**
 * `server.on('clientError', answerClientError)`: a request Node's HTTP parser refuses (malformed
 * request line or header, unknown method, headers over `--max-http-header-size`)
 * never reaches Express, and Node answers it with a bare `400`/`431`. This answers it with the
 * same problem details as every other error, with the status Node would have sent, then closes
 * the connection (a request without `Host` is refused by Node before this event, with a bare 400).
 * As Node does, it writes only when no response is being sent on the connection (else it would
 * corrupt that response) and otherwise just closes it.
 */
export function answerClientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  // The response in flight on this connection, if any (Node's own check, on its internal field).
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, title, detail } = (error.code && ANSWERS[error.code]) || BAD_REQUEST;
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  // A response to HEAD has no body (the client would read it as garbage): `rawPacket` is the data
  // the parser failed on, which starts with the request line unless the request came in pieces.
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.write(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
  );
  // As Node does: close at once (a client still sending a huge request is not waited for).
  socket.destroy();
}
