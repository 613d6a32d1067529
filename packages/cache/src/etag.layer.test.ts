import { expressMajors } from '@expresskit/testing';
import type { Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { etag } from './etag.js';
import { strongEtag } from './hash.js';
import './index.js';

/*
 * etag()'s wrappers live on a layer of the app's response prototype (see ExpressLayer in
 * @expresskit/core), and become own properties of a response only where something shadows that
 * layer. These tests pin where each applies and that mounting order still holds.
 */

const BODY = JSON.stringify({ id: 1, name: 'Ada' });
const TAG = strongEtag(BODY);

/** Which of etag()'s methods are own properties of `res` (the layer serves the others). */
function ownMethods(res: Response): string[] {
  return ['precondition', 'send', 'end', 'setHeader'].filter((name) => Object.hasOwn(res, name));
}

describe.each(expressMajors)('etag() wrappers on the response prototype ($name)', ({ express }) => {
  it('adds no own property to a response, request after request, and still tags and answers 304', async () => {
    const application = express();
    application.set('etag', false);
    application.use(etag());
    const seen: string[][] = [];
    application.get('/item', (_req, res) => {
      seen.push(ownMethods(res));
      res.type('json').send(BODY);
    });
    for (let i = 0; i < 3; i++) {
      const res = await request(application).get('/item').expect(200);
      expect(res.headers.etag).toBe(TAG);
      expect(res.text).toBe(BODY);
    }
    await request(application).get('/item').set('If-None-Match', TAG).expect(304);
    expect(seen).toEqual([[], [], [], []]);
  });

  it('serves a mounted sub-app: ETag, 304 and res.precondition() in the sub-app', async () => {
    const application = express();
    application.use(etag());
    const sub = express();
    sub.get('/item', (_req, res) => {
      res.type('json').send(BODY);
    });
    sub.get('/doc', (_req, res) => {
      if (res.precondition({ etag: 'v7' })) res.send('doc');
    });
    application.use('/sub', sub);
    for (let i = 0; i < 2; i++) {
      const res = await request(application).get('/sub/item').expect(200);
      expect(res.headers.etag).toBe(TAG);
    }
    await request(application).get('/sub/item').set('If-None-Match', TAG).expect(304);
    const doc = await request(application).get('/sub/doc').expect(200);
    expect(doc.headers.etag).toBe('"v7"');
    expect(doc.text).toBe('doc');
    await request(application).get('/sub/doc').set('If-None-Match', '"v7"').expect(304);
  });

  it('mounted inside a sub-app, leaves the parent’s other routes alone', async () => {
    const application = express();
    application.set('etag', false);
    const sub = express();
    sub.set('etag', false);
    sub.use(etag());
    sub.get('/item', (_req, res) => {
      res.type('json').send(BODY);
    });
    application.use('/sub', sub);
    let message = '';
    application.get('/plain', (_req, res) => {
      try {
        res.precondition({ etag: 'v1' });
      } catch (error) {
        message = (error as Error).message;
      }
      res.type('json').send(BODY);
    });
    const tagged = await request(application).get('/sub/item').expect(200);
    expect(tagged.headers.etag).toBe(TAG);
    const plain = await request(application).get('/plain').expect(200);
    expect(plain.headers.etag).toBeUndefined();
    expect(plain.text).toBe(BODY);
    // The layer sits above the root app, so the parent's responses reach res.precondition(): it says why it cannot serve.
    expect(message).toBe('res.precondition(): etag() does not handle this response (mount etag() before the handler)');
    const again = await request(application).get('/sub/item').set('If-None-Match', TAG).expect(304);
    expect(again.text).toBe('');
  });

  it('keeps working when its app is mounted into another one after its first request', async () => {
    const inner = express();
    inner.use(etag());
    inner.get('/item', (_req, res) => {
      res.type('json').send(BODY);
    });
    const first = await request(inner).get('/item').expect(200);
    expect(first.headers.etag).toBe(TAG);
    // Mounting re-parents inner's request/response prototypes (Express's 'mount' handler).
    const outer = express();
    outer.use('/v1', inner);
    const seen: string[][] = [];
    inner.get('/own', (_req, res) => {
      seen.push(ownMethods(res));
      res.type('json').send(BODY);
    });
    for (let i = 0; i < 2; i++) {
      const res = await request(outer).get('/v1/own').expect(200);
      expect(res.headers.etag).toBe(TAG);
    }
    await request(outer).get('/v1/item').set('If-None-Match', TAG).expect(304);
    expect(seen).toEqual([[], []]);
  });

  it('wraps the methods an earlier middleware wrapped, as mounting order says, once per call', async () => {
    const application = express();
    application.set('etag', false);
    const calls: string[] = [];
    application.use((_req, res, next) => {
      const { send, end } = res;
      res.send = function loggedSend(this: Response, ...args: unknown[]) {
        calls.push('send');
        return send.apply(this, args as Parameters<Response['send']>);
      } as Response['send'];
      res.end = function loggedEnd(this: Response, ...args: unknown[]) {
        calls.push(`end ${typeof args[0] === 'function' ? 'callback' : args[0] === undefined ? 'empty' : 'body'}`);
        return end.apply(this, args as Parameters<Response['end']>);
      } as Response['end'];
      next();
    });
    application.use(etag());
    const seen: string[][] = [];
    application.get('/item', (_req, res) => {
      seen.push(ownMethods(res));
      res.type('json').send(BODY);
    });
    application.get('/ended', (_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(BODY);
    });
    for (let i = 0; i < 2; i++) {
      calls.length = 0;
      const res = await request(application).get('/item').expect(200);
      expect(res.headers.etag).toBe(TAG);
      expect(res.text).toBe(BODY);
      expect(calls).toEqual(['send', 'end body']);
    }
    calls.length = 0;
    const notModified = await request(application).get('/item').set('If-None-Match', TAG).expect(304);
    expect(notModified.text).toBe('');
    // ours is outermost: it answers 304 without calling their send; the 304 ends through their end.
    expect(calls).toEqual(['end empty']);
    calls.length = 0;
    const ended = await request(application).get('/ended').expect(200);
    expect(ended.headers.etag).toBe(TAG);
    expect(calls).toEqual(['end body']);
    expect(seen).toEqual([
      ['send', 'end'],
      ['send', 'end'],
      ['send', 'end'],
    ]);
  });
});
