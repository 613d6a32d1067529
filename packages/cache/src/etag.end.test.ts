import { expressMajors } from '@expresskit/testing';
import compression from 'compression';
import type { Express, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { etag } from './etag.js';
import { strongEtag } from './hash.js';

const BIG = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, name: `naïve item ${i} – ok` })));
const SMALL = 'héllo';

/** The response minus Date and the connection headers, for comparing two responses. */
function comparable(res: request.Response) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...headers } = res.headers;
  return { status: res.status, headers, text: res.text };
}

/*
 * A string body given to `res.send` is tagged as the UTF-8 bytes Express sends: in `res.end` for an
 * unconditional GET (the bytes Express encoded), in `res.send` for HEAD, conditional requests and
 * when a wrapper sits above our `res.end`; a body given to `res.end` is tagged there. Unconditional
 * and conditional GETs, HEAD, and Express's own ETag on or off must give the same tag and headers.
 */
describe.each(expressMajors)(
  'etag() tags res.send strings as the bytes Express sends, whichever path, on $name',
  ({ express }) => {
    function app(setup?: (app: Express) => void): Express {
      const application = express();
      application.set('etag', false);
      setup?.(application);
      application.use(etag());
      application.get('/big', (_req, res) => {
        res.set('Cache-Control', 'max-age=60').json(JSON.parse(BIG));
      });
      application.get('/small', (_req, res) => {
        res.type('text/plain').send(SMALL);
      });
      return application;
    }

    it.each(['/big', '/small'])(
      '%s: the same tag and headers as the res.send path (a non-matching If-None-Match)',
      async (path) => {
        const application = app();
        const body = path === '/big' ? BIG : SMALL;
        const plain = await request(application).get(path);
        const conditional = await request(application).get(path).set('If-None-Match', '"other"');
        expect(plain.status).toBe(200);
        expect(plain.headers.etag).toBe(strongEtag(body));
        expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(body)));
        expect(plain.text).toBe(body);
        expect(comparable(conditional)).toEqual(comparable(plain));
        const head = await request(application).head(path);
        expect(head.headers.etag).toBe(strongEtag(body));
        const notModified = await request(application).get(path).set('If-None-Match', strongEtag(body));
        expect(notModified.status).toBe(304);
        expect(notModified.headers.etag).toBe(strongEtag(body));
      },
    );

    it('with Express’s own ETag on, the strong tag is still ours', async () => {
      const application = app((a) => a.set('etag', 'weak'));
      const res = await request(application).get('/big');
      expect(res.headers.etag).toBe(strongEtag(BIG));
    });

    it('an unconditional GET is tagged in res.end (after Express set Content-Length); HEAD and conditional GETs in res.send', async () => {
      const order: string[][] = [];
      const application = app((a) =>
        a.use((_req, res, next) => {
          const seen: string[] = [];
          order.push(seen);
          const setHeader = res.setHeader;
          res.setHeader = function recordingSetHeader(this: Response, name: string, value: unknown) {
            if (/^(etag|content-length)$/i.test(name)) seen.push(name.toLowerCase());
            return setHeader.call(this, name, value as string);
          } as Response['setHeader'];
          next();
        }),
      );
      // Mounted before etag(): its own setHeader does not wrap res.end or res.send.
      await request(application).get('/big');
      await request(application).head('/big');
      await request(application).get('/big').set('If-None-Match', '"other"');
      expect(order).toEqual([
        ['content-length', 'etag'],
        ['etag', 'content-length'],
        ['etag', 'content-length'],
      ]);
    });

    it('with an Express ETag function on, Express never hashes a body etag() tags', async () => {
      let calls = 0;
      const application = app((a) =>
        a.set('etag', () => {
          calls++;
          return undefined;
        }),
      );
      const plain = await request(application).get('/big');
      await request(application).head('/big');
      await request(application).get('/small');
      expect(plain.headers.etag).toBe(strongEtag(BIG));
      expect(calls).toBe(0);
    });

    it('a res.send rewriter mounted before etag(): GET and HEAD carry the same tag', async () => {
      const application = app((a) =>
        a.use((_req, res, next) => {
          const send = res.send;
          res.send = function rewritingSend(this: Response, body?: unknown) {
            return send.call(this, typeof body === 'string' ? body.toUpperCase() : body);
          } as Response['send'];
          next();
        }),
      );
      const get = await request(application).get('/small');
      const head = await request(application).head('/small');
      expect(get.text).toBe(SMALL.toUpperCase());
      expect(get.headers.etag).toBe(head.headers.etag);
    });

    it('a later res.end wrapper that sends the headers itself: the body is tagged in res.send', async () => {
      const application = express();
      application.set('etag', false);
      application.use(etag());
      application.use((_req, res, next) => {
        const end = res.end;
        res.end = function endAfterHead(this: Response, ...args: unknown[]): Response {
          res.end = end;
          if (!res.headersSent) res.writeHead(res.statusCode);
          return (end as (...a: unknown[]) => Response).apply(this, args);
        } as Response['end'];
        next();
      });
      application.get('/big', (_req, res) => {
        res.json(JSON.parse(BIG));
      });
      const res = await request(application).get('/big');
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe(strongEtag(BIG));
      expect(res.text).toBe(BIG);
    });

    it('behind compression: the identity response keeps the strong tag, the gzip one gets its weak form', async () => {
      const application = app((a) => a.use(compression({ threshold: 0 })));
      const identity = await request(application).get('/big').set('Accept-Encoding', 'identity');
      expect(identity.headers.etag).toBe(strongEtag(BIG));
      // supertest decodes the gzip body for us.
      const gzip = await request(application).get('/big').set('Accept-Encoding', 'gzip');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers.etag).toBe(`W/${strongEtag(BIG)}`);
      expect(gzip.body).toEqual(JSON.parse(BIG));
    });
  },
);
