import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../testing/harness.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

// Found by the reliability suite's fuzzer (scenario 4): a body whose Content-Encoding does not
// decode was a logged 500 instead of a 400.
describe('request bodies with a Content-Encoding (memory defaults)', () => {
  let running: RunningApi;
  beforeAll(async () => {
    running = await startApi();
  });
  afterAll(async () => {
    expect(running.logged).toEqual([]);
    await running.close();
  });

  it.each(['gzip', 'deflate', 'br'])(
    'answers a body that is not valid %s with a 400 problem, not a 500',
    async (coding) => {
      const res = await request(running.url)
        .post('/products')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', coding)
        .send('{"name":"Lamp","category":"lighting","price":1}');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Invalid request body',
        status: 400,
        detail: 'The request body could not be decoded as its Content-Encoding says',
      });
    },
  );

  it('still reads a valid gzip body, and answers an unknown coding with 415', async () => {
    // fetch sends the Buffer as it is (superagent would serialise it as JSON).
    const created = await fetch(`${running.url}/products`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: gzipSync('{"name":"Gzip Lamp","category":"lighting","price":1}'),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'Gzip Lamp', category: 'lighting', price: 1 });
    const unknown = await request(running.url)
      .post('/products')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'compress')
      .send('{}');
    expect(unknown.status).toBe(415);
    expect(unknown.headers['content-type']).toBe(PROBLEM);
    expect(unknown.body).toMatchObject({ status: 415, detail: 'The request body must be UTF-8 encoded JSON' });
  });
});
