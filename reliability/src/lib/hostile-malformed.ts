import fc from 'fast-check';
import type { HostileRequest } from './hostile-requests.js';

/** Node's default `--max-http-header-size`: request line plus headers. */
export const MAX_HEADER_BYTES = 16_384;

/** Odd targets, and request lines close to Node's header limit. */
export const pathRequest = fc.oneof(
  fc
    .constantFrom(
      '/',
      '/products/',
      '//products',
      '/products/1/2',
      '/__proto__',
      '/constructor/prototype',
      '/products/__proto__/x',
      '/%',
      '/%zz',
      '/products%2F1',
      '/products;a=b',
      '/PRODUCTS',
      '/products/1?fields=id&fields=name',
      '/products?limit=1&limit=2',
      '/./products',
      '/products/../categories',
      '*',
    )
    .map((path): HostileRequest => ({ family: 'path', method: 'GET', path, headers: [] })),
  fc.integer({ min: MAX_HEADER_BYTES - 600, max: MAX_HEADER_BYTES + 400 }).map(
    (length): HostileRequest => ({
      family: 'path',
      method: 'GET',
      path: `/products?fields=${'a,'.repeat(length / 2)}`.slice(0, length),
      headers: [],
    }),
  ),
  fc.integer({ min: 1000, max: 30_000 }).map(
    (length): HostileRequest => ({
      family: 'path',
      method: 'GET',
      path: '/products',
      headers: [['X-Padding', 'p'.repeat(length)]],
    }),
  ),
);

/** Malformed HTTP: unknown methods, missing Host, control bytes, bad versions, conflicting lengths, raw UTF-8. */
const RAW_REQUESTS: readonly string[] = [
  'FOO /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /products HTTP/1.1\r\nConnection: close\r\n\r\n',
  'GET /products HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\nConnection: close\r\n\r\n',
  'GET /products HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /products/42 HTTP/1.1\r\nHost: x\r\nNo-Colon-Here\r\nConnection: close\r\n\r\n',
  'POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}',
  'POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{}',
  'GET /products?fields=na\u00e9me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /pr\u00f6ducts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /products HTTP/1.1\r\nHost: x\r\nIf-None-Match: "\u00ff\u00fe"\r\nConnection: close\r\n\r\n',
  'GET  /products  HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /products HTTP/1.1\nHost: x\nConnection: close\n\n',
];

export const rawRequest = fc
  .constantFrom(...RAW_REQUESTS)
  .map(
    (raw): HostileRequest => ({ family: 'raw', method: raw.slice(0, raw.indexOf(' ')), path: '', headers: [], raw }),
  );
