import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { takeConditional } from './cache-request.js';
import { baseKey, RequestKeys } from './key.js';
import { hostnameOf, originReader, requestOrigin } from './request-origin.js';

describe.each(expressMajors)('originReader matches req.protocol + req.hostname on $name', ({ express }) => {
  function app(trustProxy: boolean) {
    const application = express();
    application.set('trust proxy', trustProxy);
    const originOf = originReader();
    application.get('/o', (req, res) => {
      res.json({ fast: originOf(req), getters: requestOrigin(req), hostname: req.hostname ?? null });
    });
    return application;
  }

  it.each([
    ['Shop.Example:8080', false, {}, 'http://shop.example'],
    ['[::1]:3000', false, {}, 'http://[::1]'],
    ['example.com', false, {}, 'http://example.com'],
    ['example.com', false, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }, 'http://example.com'],
    [
      'example.com',
      true,
      { 'x-forwarded-host': 'Real.Example:443', 'x-forwarded-proto': 'https' },
      'https://real.example',
    ],
    ['example.com', true, { 'x-forwarded-proto': 'https' }, 'https://example.com'],
  ] as const)('Host %s, trust proxy %s, %j → %s', async (host, trust, forwarded, expected) => {
    const application = app(trust);
    // Twice with another host in between: the remembered origin follows the Host.
    for (const value of [host, 'other.example', host]) {
      const response = await request(application).get('/o').set('host', value).set(forwarded);
      expect(response.status).toBe(200);
      expect(response.body.fast).toBe(response.body.getters);
    }
    const response = await request(application).get('/o').set('host', host).set(forwarded);
    expect(response.body.fast).toBe(expected);
  });

  it('an HTTP/1.0 request without Host has the empty host name, like the getters', async () => {
    const server = app(false).listen(0);
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end('GET /o HTTP/1.0\r\n\r\n'));
        let data = '';
        socket.on('data', (chunk: Buffer) => {
          data += chunk.toString();
        });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({
        fast: 'http://',
        getters: 'http://',
        hostname: null,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('hostnameOf', () => {
  it.each([
    ['example.com:80', 'example.com'],
    ['example.com', 'example.com'],
    ['[::1]:3000', '[::1]'],
    ['[::1]', '[::1]'],
    ['', undefined],
    [undefined, undefined],
  ] as const)('%s → %s', (host, expected) => {
    expect(hostnameOf(host)).toBe(expected);
  });
});

describe('RequestKeys', () => {
  it('gives baseKey for every URL, also past the number of URLs it remembers', () => {
    const policy = { deny: new Set(['utm_source']) };
    const keys = new RequestKeys(policy);
    for (let i = 0; i < 2_500; i++) {
      const url = `/p/${i % 1_200}?b=${i % 3}&a=1&utm_source=x`;
      const origin = i % 2 === 0 ? 'http://a.example' : undefined;
      expect(keys.key(url, origin)).toBe(baseKey('GET', url, policy, origin));
      expect(keys.target(url)).toBe(baseKey('HEAD', url, policy));
    }
    expect(keys.key('/p?b=2&a=1', 'https://x')).toBe('GET /p?a=1&b=2 https://x');
    expect(keys.key('/p?a=1&b=2', 'https://y')).toBe('GET /p?a=1&b=2 https://y');
  });
});

describe('takeConditional', () => {
  it('leaves headers without preconditions untouched and returns an empty set', () => {
    const headers: IncomingHttpHeaders = { host: 'a', accept: '*/*' };
    const taken = takeConditional(headers);
    expect(taken).toEqual({});
    expect(Object.isFrozen(taken)).toBe(true);
    expect(headers).toEqual({ host: 'a', accept: '*/*' });
  });

  it('moves the four precondition headers out of the request', () => {
    const headers: IncomingHttpHeaders = { host: 'a', 'if-none-match': '"x"', 'if-modified-since': 'date' };
    expect(takeConditional(headers)).toEqual({
      'if-match': undefined,
      'if-none-match': '"x"',
      'if-modified-since': 'date',
      'if-unmodified-since': undefined,
    });
    expect(headers).toEqual({ host: 'a' });
  });
});
