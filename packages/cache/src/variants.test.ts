import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { expressMajors } from '@expresskit/testing';
import compression from 'compression';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';

/** GET over plain node:http: the raw bytes as sent (supertest would decode br/gzip). */
function rawGet(
  server: Server,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject);
  });
}

describe.each(expressMajors)('compressed variants on $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('serves stored br and gzip variants behind compression(): decoded bytes equal, distinct strong ETags', async () => {
    cache = responseCache();
    const application = express();
    application.use(compression());
    application.use(cache);
    const body = JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, name: `product ${i}` })));
    let calls = 0;
    application.get('/big', (_req, res) => {
      calls++;
      res.type('application/json').send(body);
    });
    const server = application.listen(0);
    try {
      const get = (encoding: string, extra: Record<string, string> = {}) =>
        rawGet(server, '/big', { 'accept-encoding': encoding, ...extra });
      const identity = await get('identity');
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.body.toString()).toBe(body);
      expect(identity.headers['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(identity.headers.vary).toBe('Accept-Encoding');
      const br = await get('gzip, br');
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['x-cache']).toBe('HIT');
      expect(br.headers.vary).toBe('Accept-Encoding');
      expect(br.headers['content-length']).toBe(String(br.body.length));
      expect(br.body.length).toBeLessThan(Buffer.byteLength(body));
      expect(Buffer.compare(brotliDecompressSync(br.body), Buffer.from(body))).toBe(0);
      const gzip = await get('gzip');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['content-length']).toBe(String(gzip.body.length));
      expect(Buffer.compare(gunzipSync(gzip.body), Buffer.from(body))).toBe(0);
      const etags = [identity.headers.etag, br.headers.etag, gzip.headers.etag];
      expect(new Set(etags).size).toBe(3);
      expect(br.headers.etag).toBe(`${identity.headers.etag?.slice(0, -1)}-br"`);
      expect(gzip.headers.etag).toBe(`${identity.headers.etag?.slice(0, -1)}-gzip"`);
      const br2 = await get('br;q=1, gzip;q=0.5');
      expect(Buffer.compare(br2.body, br.body)).toBe(0);
      const notModified = await get('br', { 'if-none-match': br.headers.etag ?? '' });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.etag).toBe(br.headers.etag);
      expect(notModified.body.length).toBe(0);
      const wrongVariant = await get('gzip', { 'if-none-match': br.headers.etag ?? '' });
      expect(wrongVariant.status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(calls).toBe(1);
  });
});
