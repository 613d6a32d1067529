import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { expressMajors } from '@expresskit/testing';
import compression from 'compression';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResponseCache, responseCache } from './response-cache.js';
import { type RawResponse, rawGet } from './testing/raw-get.js';
import { sampleEntry } from './testing/store-contract.js';
import { readyVariant, variantOf } from './variants.js';

/** GET over plain node:http on `server`: the raw bytes as sent (supertest would decode br/gzip). */
function rawGetFrom(server: Server, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return rawGet((server.address() as AddressInfo).port, path, headers);
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
        rawGetFrom(server, '/big', { 'accept-encoding': encoding, ...extra });
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

describe('readyVariant (the synchronous HIT path)', () => {
  it('has the identity variant at once and a compressed one only after variantOf made it', async () => {
    const entry = sampleEntry({ body: Buffer.from('x'.repeat(4096)) });
    const identity = readyVariant(entry, 'identity');
    expect(identity).toEqual({ encoding: 'identity', body: entry.body, etag: entry.etag });
    expect(readyVariant(entry, 'identity')).toBe(identity);
    expect(await variantOf(entry, 'identity')).toBe(identity);
    expect(readyVariant(entry, 'gzip')).toBeUndefined();
    const gzip = await variantOf(entry, 'gzip');
    expect(gzip.encoding).toBe('gzip');
    expect(readyVariant(entry, 'gzip')).toBe(gzip);
    expect(readyVariant(entry, 'br')).toBeUndefined();
  });

  it('remembers identity for a variant that would not be smaller', async () => {
    const entry = sampleEntry({ body: Buffer.from('ab') });
    const br = await variantOf(entry, 'br');
    expect(br.encoding).toBe('identity');
    expect(readyVariant(entry, 'br')).toBe(br);
  });
});

describe.each(expressMajors)('first (compressing) and later (synchronous) HITs on $name', ({ express }) => {
  let cache: ResponseCache;
  afterEach(async () => {
    await cache?.close();
  });

  it('send the same status, headers and bytes; HEAD and 304 on the synchronous path', async () => {
    cache = responseCache();
    const application = express();
    application.use((_req, res, next) => {
      res.setHeader('X-Before', 'kept');
      next();
    });
    application.use(cache);
    const body = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })));
    application.get('/list', (_req, res) => {
      res.setHeader('X-Handler', 'stored');
      res.type('application/json').send(body);
    });
    const server = application.listen(0);
    try {
      const miss = await rawGetFrom(server, '/list', { 'accept-encoding': 'identity' });
      expect(miss.headers['x-cache']).toBe('MISS');
      const first = await rawGetFrom(server, '/list', { 'accept-encoding': 'gzip' });
      const second = await rawGetFrom(server, '/list', { 'accept-encoding': 'gzip' });
      for (const hit of [first, second]) {
        expect(hit.status).toBe(200);
        expect(hit.headers['x-cache']).toBe('HIT');
        expect(hit.headers['content-encoding']).toBe('gzip');
        expect(hit.headers['x-before']).toBe('kept');
        expect(hit.headers['x-handler']).toBe('stored');
        expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(hit.headers.vary).toBe('Accept-Encoding');
        expect(hit.headers['content-length']).toBe(String(hit.body.length));
        expect(gunzipSync(hit.body).toString()).toBe(body);
      }
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(Buffer.compare(second.body, first.body)).toBe(0);
      const identity = await rawGetFrom(server, '/list', { 'accept-encoding': 'identity' });
      expect(identity.headers['x-cache']).toBe('HIT');
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.headers['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(identity.headers.etag).toBe(miss.headers.etag);
      expect(identity.body.toString()).toBe(body);
      const notModified = await rawGetFrom(server, '/list', {
        'accept-encoding': 'identity',
        'if-none-match': identity.headers.etag ?? '',
      });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
      expect(notModified.headers.etag).toBe(identity.headers.etag);
      expect(notModified.headers['x-cache']).toBe('HIT');
      expect(notModified.headers['content-length']).toBeUndefined();
      expect(notModified.headers['x-handler']).toBeUndefined();
      const head = await new Promise<{ status: number; headers: IncomingHttpHeaders; length: number }>(
        (resolve, reject) => {
          const { port } = server.address() as AddressInfo;
          http
            .request({ host: '127.0.0.1', port, path: '/list', method: 'HEAD' }, (res) => {
              let length = 0;
              res.on('data', (chunk: Buffer) => {
                length += chunk.length;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, length }));
            })
            .on('error', reject)
            .end();
        },
      );
      expect(head.status).toBe(200);
      expect(head.headers['x-cache']).toBe('HIT');
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(head.length).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
