import { expressMajors } from '@expresskit/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ExpressLayer } from './layer.js';

/** A layer with a `shout()` method on responses, which calls up to `json` above it. */
function shoutLayer(): ExpressLayer {
  return new ExpressLayer('test shout', (parent) => ({
    shout: {
      value(this: Response, text: string) {
        return (parent as Response).json.call(this, { text: text.toUpperCase() });
      },
      writable: true,
      configurable: true,
    },
  }));
}

/** The objects of a response's prototype chain, up to Express's own `response`. */
function chain(res: object): object[] {
  const protos: object[] = [];
  for (let p: object | null = Object.getPrototypeOf(res); p !== null; p = Object.getPrototypeOf(p)) protos.push(p);
  return protos;
}

describe.each(expressMajors)('ExpressLayer on $name', ({ express }) => {
  it('installs once above the topmost app object, shared by sub-apps, with no own property per request', async () => {
    const layer = shoutLayer();
    const app = express();
    const sub = express();
    const layers: (object | undefined)[] = [];
    const own: boolean[] = [];
    sub.get('/hi', (_req, res) => {
      layers.push(layer.of(res));
      own.push(Object.hasOwn(res, 'shout'));
      (res as Response & { shout(text: string): void }).shout('sub');
    });
    app.get('/hi', (_req, res) => {
      layers.push(layer.of(res));
      own.push(Object.hasOwn(res, 'shout'));
      (res as Response & { shout(text: string): void }).shout('root');
    });
    app.use('/sub', sub);
    expect((await request(app).get('/hi').expect(200)).body).toEqual({ text: 'ROOT' });
    expect((await request(app).get('/sub/hi').expect(200)).body).toEqual({ text: 'SUB' });
    expect((await request(app).get('/hi').expect(200)).body).toEqual({ text: 'ROOT' });
    expect(layers[0]).toBeDefined();
    expect(layers).toEqual([layers[0], layers[0], layers[0]]);
    expect(own).toEqual([false, false, false]);
    // Right above the root app's response object, below Express's shared `response`.
    expect(Object.getPrototypeOf(app.response)).toBe(layers[0]);
    expect(Object.getPrototypeOf(layers[0] as object)).toBe(express.response);
    expect(chain(sub.response)).toContain(layers[0]);
  });

  it('keeps one layer per instance: two packages stack, each found again', async () => {
    const first = shoutLayer();
    const second = new ExpressLayer('test whisper', () => ({ whisper: { value: () => 'psst', configurable: true } }));
    const app = express();
    const found: [object | undefined, object | undefined][] = [];
    app.get('/', (_req, res) => {
      found.push([first.of(res), second.of(res)]);
      res.send((res as Response & { whisper(): string }).whisper());
    });
    for (let i = 0; i < 2; i++) expect((await request(app).get('/').expect(200)).text).toBe('psst');
    const [[a, b], [c, d]] = found as [[object, object], [object, object]];
    expect(a).not.toBe(b);
    expect(c).toBe(a);
    expect(d).toBe(b);
    // A fresh walk (refresh) finds the installed layers instead of inserting more.
    const before = chain(app.response).length;
    app.get('/again', (_req, res) => {
      found.push([first.of(res, true), second.of(res, true)]);
      res.end();
    });
    await request(app).get('/again').expect(200);
    expect(found[2]).toEqual([a, b]);
    expect(chain(app.response).length).toBe(before);
  });

  it('serves requests too (app.request), and refreshes after the app is mounted into another', async () => {
    const layer = new ExpressLayer('test request', () => ({
      greeting: {
        get(this: Request) {
          return `hello ${this.path}`;
        },
        configurable: true,
      },
    }));
    const inner = express();
    const seen: string[] = [];
    inner.get('/x', (req, res) => {
      let found = layer.of(req);
      // Express re-parents a mounted app's request: the cached answer is stale, the walk is not.
      if (found === undefined || !('greeting' in req)) found = layer.of(req, true);
      seen.push(String((req as Request & { greeting?: string }).greeting), String(found !== undefined));
      res.end();
    });
    await request(inner).get('/x').expect(200);
    const outer = express();
    outer.use('/v1', inner);
    await request(outer).get('/v1/x').expect(200);
    expect(seen).toEqual(['hello /x', 'true', 'hello /x', 'true']);
  });
});

describe('ExpressLayer outside Express', () => {
  it('answers undefined for objects without an app object in their chain', () => {
    const layer = shoutLayer();
    expect(layer.of({})).toBeUndefined();
    expect(layer.of(Object.create(null) as object)).toBeUndefined();
    expect(layer.of(new Map())).toBeUndefined();
    expect(Object.hasOwn(Map.prototype, 'shout')).toBe(false);
  });
});
