import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { PROBLEM_CONTENT_TYPE, problemType } from '@expresskit/core';
import { expressMajors } from '@expresskit/testing';
import compression from 'compression';
import type { Express, RequestHandler, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { type EtagOptions, etag, type ResourceValidators, requireIfMatch } from './etag.js';
import { strongEtag } from './hash.js';
import { type ResponseCache, responseCache } from './response-cache.js';
import './index.js';
import { rawGet } from './testing/raw-get.js';

const ITEM = { id: 1, name: 'Ada' };
const ITEM_JSON = JSON.stringify(ITEM);
const ITEM_TAG = strongEtag(ITEM_JSON); // "15-FkL7ZkLPRlo"
const LAST_MODIFIED = 'Thu, 01 Jan 2026 00:00:00 GMT';

/** Header names of a response, without the connection-management ones Node adds. */
function headerNames(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers)
    .filter((name) => name !== 'connection' && name !== 'keep-alive')
    .sort();
}

describe.each(expressMajors)('etag() on $name', ({ express, major }) => {
  function app(options: EtagOptions = {}, setup?: (app: Express) => void): Express {
    const application = express();
    application.use(etag(options));
    application.get('/item', (_req, res) => {
      res.set('Cache-Control', 'max-age=60').set('Vary', 'Accept-Language').set('Last-Modified', LAST_MODIFIED);
      res.set('Set-Cookie', 'seen=1').set('X-Request-Id', 'r1').json(ITEM);
    });
    setup?.(application);
    return application;
  }

  it("sends a strong ETag of the JSON body instead of Express's weak default", async () => {
    const res = await request(app()).get('/item').expect(200);
    expect(res.headers.etag).toBe(ITEM_TAG);
    expect(res.headers.etag).toBe('"15-FkL7ZkLPRlo"');
    expect(res.text).toBe(ITEM_JSON);
    expect(res.headers['content-length']).toBe('21');
  });

  it('answers a matching If-None-Match with 304, no body and only the §15.4.5 headers', async () => {
    const res = await request(app()).get('/item').set('If-None-Match', ITEM_TAG).expect(304);
    expect(res.text).toBe('');
    expect(headerNames(res.headers)).toEqual(['cache-control', 'date', 'etag', 'vary']);
    expect(res.headers.etag).toBe(ITEM_TAG);
    expect(res.headers['cache-control']).toBe('max-age=60');
    expect(res.headers.vary).toBe('Accept-Language');
  });

  it.each([
    ['a list', `"nope", ${ITEM_TAG}`],
    ['the weak form', `W/${ITEM_TAG}`],
    ['*', '*'],
  ])('answers If-None-Match with %s with 304', async (_name, header) => {
    const res = await request(app()).get('/item').set('If-None-Match', header).expect(304);
    expect(res.text).toBe('');
  });

  it('sends the full response when If-None-Match does not match, ignoring If-Modified-Since', async () => {
    const res = await request(app())
      .get('/item')
      .set('If-None-Match', '"other"')
      .set('If-Modified-Since', LAST_MODIFIED)
      .expect(200);
    expect(res.text).toBe(ITEM_JSON);
    expect(res.headers.etag).toBe(ITEM_TAG);
  });

  it('answers If-Modified-Since with 304 when the Last-Modified is not later', async () => {
    const res = await request(app()).get('/item').set('If-Modified-Since', LAST_MODIFIED).expect(304);
    expect(headerNames(res.headers)).toEqual(['cache-control', 'date', 'etag', 'vary']);
    const later = await request(app())
      .get('/item')
      .set('If-Modified-Since', 'Wed, 31 Dec 2025 23:59:59 GMT')
      .expect(200);
    expect(later.text).toBe(ITEM_JSON);
  });

  it('answers HEAD with the same ETag as GET, and 304 when it matches', async () => {
    const head = await request(app()).head('/item').expect(200);
    expect(head.headers.etag).toBe(ITEM_TAG);
    expect(head.headers['content-length']).toBe('21');
    const notModified = await request(app()).head('/item').set('If-None-Match', ITEM_TAG).expect(304);
    expect(notModified.headers.etag).toBe(ITEM_TAG);
    expect(notModified.headers['content-length']).toBeUndefined();
  });

  it('answers a failing If-Match on GET with a 412 problem without the representation headers', async () => {
    const res = await request(app()).get('/item').set('If-Match', '"old"').expect(412);
    expect(res.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['cache-control']).toBeUndefined();
    expect(res.headers['last-modified']).toBeUndefined();
    expect(res.body).toEqual({
      type: problemType('precondition-failed'),
      title: 'Precondition Failed',
      status: 412,
      detail: 'If-Match does not match the current entity tag of the resource: it was changed (or does not exist)',
      instance: '/item',
      header: 'If-Match',
    });
  });

  it('tags bodies sent with res.send(string), res.send(Buffer) and res.end(body)', async () => {
    const application = app({}, (a) => {
      a.get('/text', (_req, res) => {
        res.type('text').send('hello');
      });
      a.get('/buffer', (_req, res) => {
        res.type('bin').send(Buffer.from('hello'));
      });
      a.get('/end', (_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end('hello');
      });
    });
    for (const path of ['/text', '/buffer', '/end']) {
      const res = await request(application).get(path).expect(200);
      expect(res.headers.etag).toBe('"5-JseCfYifbaM"');
      await request(application).get(path).set('If-None-Match', '"5-JseCfYifbaM"').expect(304, '');
    }
  });

  it('hashes res.end(string) as the bytes sent: UTF-8 directly, other encodings by their bytes', async () => {
    const application = app({}, (a) => {
      a.get('/utf8', (_req, res) => {
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('h\u00e9llo');
      });
      a.get('/latin1', (_req, res) => {
        res.setHeader('Content-Type', 'text/plain; charset=latin1');
        res.end('h\u00e9llo', 'latin1');
      });
    });
    const utf8 = await request(application).get('/utf8').expect(200);
    expect(utf8.headers.etag).toBe('"6-O9BjEDiOu-Q"');
    expect(utf8.headers['content-length']).toBe('6');
    const latin1Tag = strongEtag(Buffer.from('h\u00e9llo', 'latin1'));
    const latin1 = await request(application).get('/latin1').expect(200);
    expect(latin1.headers.etag).toBe(latin1Tag);
    expect(latin1Tag).toBe('"5-3X1cBEaiFWw"');
    expect(latin1.headers['content-length']).toBe('5');
    await request(application).get('/latin1').set('If-None-Match', latin1Tag).expect(304, '');
  });

  it('tags what Express actually sends for a Uint8Array (bytes on Express 5, JSON on Express 4)', async () => {
    const application = app({}, (a) => {
      a.get('/bytes', (_req, res) => {
        res.send(new Uint8Array([104, 105]));
      });
    });
    const res = await request(application)
      .get('/bytes')
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    const sent = res.body as Buffer;
    expect(sent.toString('utf8')).toBe(major === 5 ? 'hi' : '{"0":104,"1":105}');
    expect(res.headers.etag).toBe(strongEtag(sent));
  });

  it('evaluates a bodiless res.end() against the validators the handler set (HEAD)', async () => {
    let finished = 0;
    const application = app({}, (a) => {
      a.head('/bare', (_req, res) => {
        res.set('ETag', '"v1"').set('Last-Modified', LAST_MODIFIED);
        res.end(() => {
          finished += 1;
        });
      });
    });
    const ok = await request(application).head('/bare').expect(200);
    expect(ok.headers.etag).toBe('"v1"');
    const byTag = await request(application).head('/bare').set('If-None-Match', '"v1"').expect(304);
    expect(headerNames(byTag.headers)).toEqual(['date', 'etag']);
    await request(application).head('/bare').set('If-Modified-Since', LAST_MODIFIED).expect(304);
    expect(finished).toBe(3);
  });

  it('leaves streamed responses, non-2xx responses and other methods alone', async () => {
    const application = app({}, (a) => {
      a.set('etag', false);
      a.get('/stream', (_req, res) => {
        res.write('hel');
        res.end('lo');
      });
      a.get('/missing', (_req, res) => {
        res.status(404).send('no such thing');
      });
      a.post('/item', (_req, res) => {
        res.status(201).json(ITEM);
      });
    });
    const stream = await request(application).get('/stream').set('If-None-Match', '*').expect(200);
    expect(stream.text).toBe('hello');
    expect(stream.headers.etag).toBeUndefined();
    const missing = await request(application).get('/missing').set('If-None-Match', '*').expect(404);
    expect(missing.headers.etag).toBeUndefined();
    const created = await request(application).post('/item').expect(201);
    expect(created.headers.etag).toBeUndefined();
  });

  it('keeps an ETag the handler set and evaluates preconditions against it', async () => {
    const application = app({}, (a) => {
      a.get('/versioned', (_req, res) => {
        res.set('ETag', '"v7"').json(ITEM);
      });
    });
    const res = await request(application).get('/versioned').expect(200);
    expect(res.headers.etag).toBe('"v7"');
    await request(application).get('/versioned').set('If-None-Match', '"v7"').expect(304);
  });

  it('sends weak ETags with { weak: true } and none for bodies over maxSize', async () => {
    const weak = await request(app({ weak: true }))
      .get('/item')
      .expect(200);
    expect(weak.headers.etag).toBe(`W/${ITEM_TAG}`);
    await request(app({ weak: true }))
      .get('/item')
      .set('If-None-Match', ITEM_TAG)
      .expect(304);
    const big = await request(
      app({ maxSize: 20 }, (a) => {
        a.set('etag', false);
      }),
    )
      .get('/item')
      .expect(200);
    expect(big.headers.etag).toBeUndefined();
  });

  it('keeps the headers named in keepOn304', async () => {
    const res = await request(app({ keepOn304: ['X-Request-Id'] }))
      .get('/item')
      .set('If-None-Match', ITEM_TAG)
      .expect(304);
    expect(headerNames(res.headers)).toEqual(['cache-control', 'date', 'etag', 'vary', 'x-request-id']);
    expect(res.headers['x-request-id']).toBe('r1');
  });
});

describe.each(expressMajors)('res.precondition() and optimistic concurrency on $name', ({ express }) => {
  /** A one-document store whose version the handlers check before changing it. */
  function documentApp(options: EtagOptions = {}, extra: RequestHandler[] = []) {
    const doc = { exists: true, version: 3, body: 'first', updated: new Date(Date.UTC(2026, 0, 1)), reads: 0 };
    const application = express();
    application.use(express.json());
    application.use(etag(options));
    application.get('/doc', (_req, res) => {
      if (!res.precondition({ etag: `v${doc.version}`, lastModified: doc.updated, exists: doc.exists })) return;
      doc.reads += 1;
      res.json({ body: doc.body });
    });
    application.put('/doc', ...extra, (req, res) => {
      if (!res.precondition({ etag: doc.exists ? `v${doc.version}` : undefined, exists: doc.exists })) return;
      const created = !doc.exists;
      Object.assign(doc, { exists: true, version: doc.version + 1, body: String(req.body.body) });
      res
        .status(created ? 201 : 200)
        .set('ETag', `"v${doc.version}"`)
        .json({ body: doc.body });
    });
    application.delete('/doc', (_req, res) => {
      if (!res.precondition({ lastModified: doc.updated })) return;
      doc.exists = false;
      res.status(204).end();
    });
    return { application, doc };
  }

  it('sets the declared validators on GET and answers 304 before the handler does any work', async () => {
    const { application, doc } = documentApp();
    const first = await request(application).get('/doc').expect(200);
    expect(first.headers.etag).toBe('"v3"');
    expect(first.headers['last-modified']).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    const second = await request(application).get('/doc').set('If-None-Match', '"v3"').expect(304);
    expect(second.headers.etag).toBe('"v3"');
    expect(doc.reads).toBe(1);
  });

  it('lets a PUT with the current If-Match through and rejects a stale one with 412 before mutating', async () => {
    const { application, doc } = documentApp();
    const ok = await request(application).put('/doc').set('If-Match', '"v3"').send({ body: 'second' }).expect(200);
    expect(ok.headers.etag).toBe('"v4"');
    expect(ok.body).toEqual({ body: 'second' });
    const stale = await request(application)
      .put('/doc')
      .set('If-Match', '"v3"')
      .send({ body: 'lost update' })
      .expect(412);
    expect(stale.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(stale.body).toEqual({
      type: problemType('precondition-failed'),
      title: 'Precondition Failed',
      status: 412,
      detail: 'If-Match does not match the current entity tag of the resource: it was changed (or does not exist)',
      instance: '/doc',
      header: 'If-Match',
    });
    expect(doc).toMatchObject({ version: 4, body: 'second' });
  });

  it('supports create-only PUT with If-None-Match: * and If-Match: * for existing resources only', async () => {
    const { application, doc } = documentApp();
    const exists = await request(application).put('/doc').set('If-None-Match', '*').send({ body: 'x' }).expect(412);
    expect(exists.body.header).toBe('If-None-Match');
    expect(exists.body.detail).toBe('If-None-Match matches the current representation of the resource');
    doc.exists = false;
    await request(application).put('/doc').set('If-Match', '*').send({ body: 'x' }).expect(412);
    const created = await request(application).put('/doc').set('If-None-Match', '*').send({ body: 'new' }).expect(201);
    expect(created.body).toEqual({ body: 'new' });
  });

  it('rejects a DELETE whose If-Unmodified-Since is older than the resource', async () => {
    const { application, doc } = documentApp();
    const res = await request(application)
      .delete('/doc')
      .set('If-Unmodified-Since', 'Wed, 31 Dec 2025 23:59:59 GMT')
      .expect(412);
    expect(res.body.header).toBe('If-Unmodified-Since');
    expect(res.body.detail).toBe('The resource was modified after the If-Unmodified-Since date');
    expect(doc.exists).toBe(true);
    await request(application).delete('/doc').set('If-Unmodified-Since', 'Thu, 01 Jan 2026 00:00:00 GMT').expect(204);
    expect(doc.exists).toBe(false);
  });

  it('answers 428 when requireIfMatch is set and If-Match is missing, before the handler', async () => {
    const { application, doc } = documentApp({ requireIfMatch: true });
    const res = await request(application).put('/doc').send({ body: 'blind write' }).expect(428);
    expect(res.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.body).toEqual({
      type: problemType('precondition-required'),
      title: 'Precondition Required',
      status: 428,
      detail: 'PUT requests must be conditional: send If-Match with the ETag of the representation you are changing',
      instance: '/doc',
      header: 'If-Match',
    });
    expect(doc.version).toBe(3);
    await request(application).get('/doc').expect(200);
    await request(application).put('/doc').set('If-Match', '"v3"').send({ body: 'ok' }).expect(200);
  });

  it('requireIfMatch() guards one route; an empty If-Match counts as missing', async () => {
    const { application, doc } = documentApp({}, [requireIfMatch()]);
    await request(application).put('/doc').set('If-Match', ' ').send({ body: 'x' }).expect(428);
    await request(application).delete('/doc').expect(204);
    expect(doc.version).toBe(3);
  });

  it('lets onError replace the 412 and 428 responses', async () => {
    const { application } = documentApp({
      requireIfMatch: ['PUT'],
      onError: (problem, req, res) => {
        res.status(problem.status).json({ error: problem.title, method: req.method });
      },
    });
    const required = await request(application).put('/doc').send({ body: 'x' }).expect(428);
    expect(required.body).toEqual({ error: 'Precondition Required', method: 'PUT' });
    const failed = await request(application).put('/doc').set('If-Match', '"v1"').send({ body: 'x' }).expect(412);
    expect(failed.body).toEqual({ error: 'Precondition Failed', method: 'PUT' });
    expect(failed.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('can be mounted again on a router with other options; the inner options apply', async () => {
    const { application, doc } = documentApp();
    const router = express.Router();
    router.use(etag({ requireIfMatch: true, weak: true }));
    router.get('/doc', (_req, res) => {
      res.send('strict');
    });
    router.put('/doc', (_req, res) => {
      res.send('changed');
    });
    application.use('/strict', router);
    const read = await request(application).get('/strict/doc').expect(200);
    expect(read.headers.etag).toBe(`W/${strongEtag('strict')}`);
    await request(application)
      .get('/strict/doc')
      .set('If-None-Match', read.headers.etag ?? '')
      .expect(304);
    await request(application).put('/strict/doc').expect(428);
    await request(application).put('/doc').send({ body: 'free' }).expect(200);
    expect(doc.body).toBe('free');
  });

  it('throws a TypeError naming res.precondition for an etag that cannot be quoted', async () => {
    const application = express();
    application.use(etag());
    application.get('/bad', (_req, res) => {
      try {
        res.precondition({ etag: 'two words' });
        res.send('unreachable');
      } catch (error) {
        res.status(500).send((error as Error).message);
      }
    });
    const res = await request(application).get('/bad').expect(500);
    expect(res.text).toBe('res.precondition: "etag" must be an entity tag such as "v1", W/"v1" or v1, got "two words"');
  });
});

describe.each(expressMajors)('etag() after compression() on $name', ({ express }) => {
  const body = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) });
  const identityTag = strongEtag(body);
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function listen(order: 'compression first' | 'etag first' = 'compression first'): Promise<number> {
    const application = express();
    if (order === 'etag first') application.use(etag(), compression());
    else application.use(compression(), etag());
    application.get('/list', (_req, res) => {
      res.type('json').send(body);
    });
    application.get('/ended', (_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(body);
    });
    const listening = application.listen(0);
    server = listening;
    await new Promise((resolve) => listening.once('listening', resolve));
    return (listening.address() as AddressInfo).port;
  }

  const get = (port: number, headers: Record<string, string>) => rawGet(port, '/list', headers);

  it.each(['compression first', 'etag first'] as const)(
    'tags the identity body, weakens the tag when gzip is applied, and decodes to the same bytes (%s)',
    async (order) => {
      const port = await listen(order);
      const gzip = await get(port, { 'accept-encoding': 'gzip' });
      expect(gzip.status).toBe(200);
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers.vary).toBe('Accept-Encoding');
      expect(gzip.headers.etag).toBe(`W/${identityTag}`);
      expect(gunzipSync(gzip.body).equals(Buffer.from(body))).toBe(true);
      const identity = await get(port, { 'accept-encoding': 'identity' });
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.headers.etag).toBe(identityTag);
      expect(identity.body.equals(Buffer.from(body))).toBe(true);
    },
  );

  it('weakens the tag of a compressed response whose If-None-Match did not match (evaluated path)', async () => {
    const port = await listen();
    const gzip = await get(port, { 'accept-encoding': 'gzip', 'if-none-match': '"other"' });
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.etag).toBe(`W/${identityTag}`);
    expect(gunzipSync(gzip.body).equals(Buffer.from(body))).toBe(true);
  });

  it('tags the identity bytes of res.end(body) on every request, weak when gzipped (compression wraps res.end)', async () => {
    const port = await listen();
    // The first request installs etag()'s layer; compression() has wrapped res.end on every one.
    for (let i = 0; i < 3; i++) {
      const gzip = await rawGet(port, '/ended', { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers.etag).toBe(`W/${identityTag}`);
      expect(gunzipSync(gzip.body).equals(Buffer.from(body))).toBe(true);
      const identity = await rawGet(port, '/ended', { 'accept-encoding': 'identity' });
      expect(identity.headers.etag).toBe(identityTag);
      expect(identity.body.equals(Buffer.from(body))).toBe(true);
    }
    const revalidated = await rawGet(port, '/ended', {
      'accept-encoding': 'gzip',
      'if-none-match': `W/${identityTag}`,
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
  });

  it('revalidates the weak (compressed) and the strong tag with 304 and echoes the form the client holds', async () => {
    const port = await listen();
    const weak = await get(port, { 'accept-encoding': 'gzip', 'if-none-match': `W/${identityTag}` });
    expect(weak.status).toBe(304);
    expect(weak.body.length).toBe(0);
    expect(weak.headers.etag).toBe(`W/${identityTag}`);
    expect(weak.headers['content-encoding']).toBeUndefined();
    expect(weak.headers.vary).toBe('Accept-Encoding');
    expect(weak.headers['content-type']).toBeUndefined();
    expect(weak.headers['content-length']).toBeUndefined();
    const strong = await get(port, { 'accept-encoding': 'identity', 'if-none-match': identityTag });
    expect(strong.status).toBe(304);
    expect(strong.headers.etag).toBe(identityTag);
  });
});

describe('etag() options', () => {
  it.each([
    [{ weak: 'yes' }, 'etag: "weak" must be a boolean, got yes'],
    [{ maxSize: -1 }, 'etag: "maxSize" must be a non-negative integer, got -1'],
    [{ maxSize: 1.5 }, 'etag: "maxSize" must be a non-negative integer, got 1.5'],
    [{ requireIfMatch: 'PUT' }, 'etag: "requireIfMatch" must be a boolean or an array of methods, got PUT'],
    [{ requireIfMatch: [''] }, 'etag: "requireIfMatch" must be a boolean or an array of methods, got '],
    [{ keepOn304: 'x-id' }, 'etag: "keepOn304" must be an array of header names, got x-id'],
    [{ onError: 42 }, 'etag: "onError" must be a function, got number'],
  ])('rejects %j', (options, message) => {
    expect(() => etag(options as unknown as EtagOptions)).toThrow(new TypeError(message));
  });

  it('does not mutate the options object', () => {
    const options = Object.freeze({ requireIfMatch: Object.freeze(['put']), keepOn304: Object.freeze(['X-A']) });
    expect(typeof etag(options)).toBe('function');
    expect(options).toEqual({ requireIfMatch: ['put'], keepOn304: ['X-A'] });
  });

  it('requireIfMatch() validates onError', () => {
    expect(() => requireIfMatch({ onError: 'no' as unknown as EtagOptions['onError'] } as EtagOptions)).toThrow(
      new TypeError('requireIfMatch: "onError" must be a function, got string'),
    );
  });
});

describe.each(expressMajors)('etag() together with responseCache() on $name', ({ express }) => {
  let cache: ResponseCache | undefined;
  afterEach(async () => {
    await cache?.close();
    cache = undefined;
  });

  it.each(['etag first', 'cache first'])(
    'agrees on one strong ETag and answers 304 on miss and hit (%s)',
    async (order) => {
      cache = responseCache({ compress: false });
      const application = express();
      if (order === 'etag first') application.use(etag(), cache);
      else application.use(cache, etag());
      let calls = 0;
      application.get('/item', (_req, res) => {
        calls += 1;
        res.json(ITEM);
      });
      const miss = await request(application).get('/item').expect(200);
      expect(miss.headers.etag).toBe(ITEM_TAG);
      expect(miss.headers['x-cache']).toBe('MISS');
      const hit = await request(application).get('/item').expect(200);
      expect(hit.headers.etag).toBe(ITEM_TAG);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.text).toBe(ITEM_JSON);
      const notModified = await request(application).get('/item').set('If-None-Match', ITEM_TAG).expect(304);
      expect(notModified.text).toBe('');
      expect(notModified.headers.etag).toBe(ITEM_TAG);
      expect(calls).toBe(1);
    },
  );
});

describe('types', () => {
  it('augments Express.Response with precondition() and types the options', () => {
    expectTypeOf<Response['precondition']>().toEqualTypeOf<(validators: ResourceValidators) => boolean>();
    expectTypeOf(etag).parameter(0).toEqualTypeOf<EtagOptions | undefined>();
    expectTypeOf(etag()).toEqualTypeOf<RequestHandler>();
    expect(typeof etag()).toBe('function');
  });
});
