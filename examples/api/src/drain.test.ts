import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tallyResponses } from './drain.js';

describe('tallyResponses', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** A server whose `/slow` answers only when `release()` is called. */
  async function listen(): Promise<{ port: number; release: () => void }> {
    let release = () => {};
    server = createServer((req, res) => {
      if (req.url === '/slow') {
        res.write('partial');
        release = () => res.end('!');
      } else res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    return { port: (server.address() as AddressInfo).port, release: () => release() };
  }

  function get(port: number, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      request({ port, host: '127.0.0.1', path, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
  }

  it('counts complete responses, those after the signal, and requests cut off by a closed connection', async () => {
    const { port, release } = await listen();
    let now = 1_000;
    const tally = tallyResponses(server as Server, () => now);
    expect(await get(port, '/')).toBe('ok');
    // A client that goes away mid-response: its request is cut off.
    const aborted = request({ port, host: '127.0.0.1', path: '/slow', agent: false }, (res) => {
      res.once('data', () => aborted.destroy());
    });
    aborted.on('error', () => {});
    aborted.end();
    await new Promise((resolve) => aborted.once('close', resolve));
    while (tally.cutOff === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    tally.markShutdown();
    const slow = get(port, '/slow');
    while (tally.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tally.inFlight).toBe(1);
    release();
    expect(await slow).toBe('partial!');
    expect(await get(port, '/')).toBe('ok');
    now = 3_500;
    expect([tally.answered, tally.answeredAfterShutdown, tally.cutOff, tally.inFlight]).toEqual([3, 2, 1, 0]);
    expect(tally.summary()).toBe(
      'shutdown: 3 responses sent since start (2 after the signal), 1 requests cut off, drained in 2500 ms',
    );
  });

  it('says nothing about draining before the signal', async () => {
    await listen();
    expect(tallyResponses(server as Server).summary()).toBe(
      'shutdown: 0 responses sent since start (0 after the signal), 0 requests cut off',
    );
  });
});
