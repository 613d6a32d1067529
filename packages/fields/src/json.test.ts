import { expressMajors } from '@expresskit/testing';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fields } from './fields.js';

/*
 * fields() reaches res.json through a member on a layer of the app's response prototype
 * (ExpressLayer in @expresskit/core): no own property per response, the right selection per
 * response, and a res.json of the response's own still sees what it saw before.
 */

const user = { id: 1, name: 'Ada', email: 'ada@example.com', address: { city: 'London', zip: 'N1' } };
const page = { data: [user, { ...user, id: 2 }], pagination: { limit: 2 } };

describe.each(expressMajors)('fields() and res.json on the prototype ($name)', ({ express }) => {
  it('adds no own property to the response, and each route applies its own options', async () => {
    const app = express();
    const own: boolean[] = [];
    const send = (body: unknown) => (_req: Request, res: Response) => {
      own.push(Object.hasOwn(res, 'json'));
      res.json(body);
    };
    app.get('/enveloped', fields(), send(page));
    app.get('/whole', fields({ envelope: false, param: 'only' }), send(page));
    const enveloped = await request(app).get('/enveloped?fields=id').expect(200);
    expect(enveloped.body).toEqual({ data: [{ id: 1 }, { id: 2 }], pagination: { limit: 2 } });
    const whole = await request(app).get('/whole?only=pagination').expect(200);
    expect(whole.body).toEqual({ pagination: { limit: 2 } });
    // The same query on the first route again: its own options, not the last ones used.
    const again = await request(app).get('/enveloped?fields=name').expect(200);
    expect(again.body).toEqual({ data: [{ name: 'Ada' }, { name: 'Ada' }], pagination: { limit: 2 } });
    expect(own).toEqual([false, false, false]);
  });

  it('a route without fields() sends its body untouched, whatever the query says', async () => {
    const app = express();
    app.get('/selected', fields(), (_req, res) => {
      res.json(user);
    });
    app.get('/plain', (_req, res) => {
      res.json(user);
    });
    expect((await request(app).get('/selected?fields=id').expect(200)).body).toEqual({ id: 1 });
    expect((await request(app).get('/plain?fields=id').expect(200)).body).toEqual(user);
  });

  it('two fields() on one request both apply, the one mounted last first', async () => {
    const app = express();
    app.use(fields());
    app.get('/user', fields({ param: 'select', excludeParam: false, envelope: false }), (_req, res) => {
      res.json(user);
    });
    const both = await request(app).get('/user?select=name,address&exclude=address(zip)').expect(200);
    expect(both.body).toEqual({ name: 'Ada', address: { city: 'London' } });
  });

  it('a res.json of the response mounted before fields() sees the selected body; one mounted after, the whole', async () => {
    const seen: unknown[] = [];
    const spy = (label: string) => (_req: Request, res: Response, next: NextFunction) => {
      const json = res.json;
      res.json = function spied(this: Response, body?: unknown) {
        seen.push([label, body]);
        return json.call(this, body);
      } as Response['json'];
      next();
    };
    const app = express();
    app.get('/before', spy('before'), fields(), (_req, res) => {
      res.json(user);
    });
    app.get('/after', fields(), spy('after'), (_req, res) => {
      res.json(user);
    });
    expect((await request(app).get('/before?fields=id').expect(200)).body).toEqual({ id: 1 });
    expect((await request(app).get('/after?fields=id').expect(200)).body).toEqual({ id: 1 });
    expect(seen).toEqual([
      ['before', { id: 1 }],
      ['after', user],
    ]);
  });

  it('serves a sub-app, also one mounted into another app after its first request', async () => {
    const inner = express();
    inner.get('/user', fields(), (_req, res) => {
      res.json(user);
    });
    expect((await request(inner).get('/user?fields=email').expect(200)).body).toEqual({ email: 'ada@example.com' });
    const outer = express();
    outer.use('/v1', inner);
    const mounted = await request(outer).get('/v1/user?fields=address(zip)').expect(200);
    expect(mounted.body).toEqual({ address: { zip: 'N1' } });
  });

  it('res.send(object) goes through the selection too, and an error status is never reduced', async () => {
    const app = express();
    app.use(fields());
    app.get('/send', (_req, res) => {
      res.send(user);
    });
    app.get('/gone', (_req, res) => {
      res.status(410).json(user);
    });
    expect((await request(app).get('/send?fields=id,name').expect(200)).body).toEqual({ id: 1, name: 'Ada' });
    expect((await request(app).get('/gone?fields=id').expect(410)).body).toEqual(user);
  });
});
