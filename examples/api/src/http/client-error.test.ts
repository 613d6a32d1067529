import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError } from './client-error.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

/** Writes `raw` on a new connection and resolves with everything the server sent before closing. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(raw, 'latin1');
  });
}

function parse(answer: string): { status: number; headers: Record<string, string>; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

// Found by the reliability suite's fuzzer (scenario 4): these answers came from Node without a body.
describe('answerClientError (a real http.Server and raw sockets)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['an unknown method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a control byte in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n'],
    ['conflicting Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
  ])('answers %s with a 400 problem and closes', async (_name, raw) => {
    const answer = parse(await exchange(port, raw));
    const body = {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is not valid HTTP/1.1',
    };
    expect(answer).toEqual({
      status: 400,
      headers: { 'content-type': PROBLEM, 'content-length': String(JSON.stringify(body).length), connection: 'close' },
      body,
    });
  });

  it('answers headers over the limit with a 431 problem', async () => {
    const answer = parse(await exchange(port, `GET /?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe(PROBLEM);
    expect(answer.body).toEqual({
      type: 'about:blank',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: 'The request line and headers are larger than the server accepts (16 KB)',
    });
  });

  it('leaves the missing Host to Node (a bare 400: Node answers it without a clientError event)', async () => {
    const answer = await exchange(port, 'GET / HTTP/1.1\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
    expect(answer).not.toMatch(/content-type/i);
  });

  it('sends no body to a HEAD request (only its headers)', async () => {
    const answer = await exchange(port, `HEAD /?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(answer).toMatch(/\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
    expect(answer.endsWith('\r\nConnection: close\r\n\r\n')).toBe(true);
  });

  it('answers after a finished response on a keep-alive connection', async () => {
    // The second request is sent once the first response arrived, as a keep-alive client does.
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        const first = received === '';
        received += chunk.toString('latin1');
        if (first && received.endsWith('ok')) socket.end('FOO / HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      socket.on('close', () => resolve(received));
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    const second = answer.indexOf('HTTP/1.1 400 Bad Request\r\n');
    expect(answer.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(second).toBeGreaterThan(0);
    expect(parse(answer.slice(second)).body).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is not valid HTTP/1.1',
    });
  });
});
