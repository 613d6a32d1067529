import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface LoopbackPair {
  /** The connecting side (what a Redis client holds). */
  client: Socket;
  /** The accepted side (what the server writes answers to). */
  peer: Socket;
  /** Destroys both sockets and closes the listener. */
  close(): Promise<void>;
}

/**
 * Two connected TCP sockets on 127.0.0.1. `peer.write()` puts bytes into the client's socket
 * buffer at once, so a test can make an answer arrive while the process is blocked and check what
 * wins when it wakes up (the answer or an overdue timer).
 */
export async function loopbackPair(): Promise<LoopbackPair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('loopbackPair: no port assigned');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  const [[peer]] = await Promise.all([accepted, once(client, 'connect')]);
  return {
    client,
    peer,
    async close() {
      client.destroy();
      peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
