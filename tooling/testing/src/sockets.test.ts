import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loopbackPair } from './sockets.js';

describe('loopbackPair', () => {
  it('connects two sockets both ways and closes them', async () => {
    const pair = await loopbackPair();
    const toClient = once(pair.client, 'data');
    pair.peer.write('pong');
    expect(String((await toClient)[0])).toBe('pong');
    const toPeer = once(pair.peer, 'data');
    pair.client.write('ping');
    expect(String((await toPeer)[0])).toBe('ping');
    await pair.close();
    expect([pair.client.destroyed, pair.peer.destroyed]).toEqual([true, true]);
  });
});
