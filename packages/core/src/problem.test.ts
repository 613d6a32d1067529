import { createServer } from 'node:http';
import { expressMajors } from '@expresskit/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemType, sendProblem } from './problem.js';

describe('ProblemError', () => {
  it('defaults type to about:blank and title to the reason phrase', () => {
    const error = new ProblemError(404);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('Not Found');
    expect(error.toJSON()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404 });
  });

  it('renders standard members first, then extensions', () => {
    const error = new ProblemError(400, {
      type: problemType('invalid-parameter'),
      title: 'Invalid query parameter',
      detail: '"limit" must be a positive integer, got "0"',
      instance: '/products?limit=0',
      extensions: { parameter: 'limit', rule: 'positive-integer' },
    });
    expect(JSON.stringify(error)).toBe(
      '{"type":"tag:expresskit.dev,2026:invalid-parameter","title":"Invalid query parameter","status":400,' +
        '"detail":"\\"limit\\" must be a positive integer, got \\"0\\"","instance":"/products?limit=0",' +
        '"parameter":"limit","rule":"positive-integer"}',
    );
    expect(error.message).toBe('"limit" must be a positive integer, got "0"');
  });

  it('keeps the cause', () => {
    const cause = new Error('redis down');
    expect(new ProblemError(503, { cause }).cause).toBe(cause);
  });

  it.each([200, 399, 600, 400.5, Number.NaN])('rejects status %s', (status) => {
    expect(() => new ProblemError(status)).toThrow(
      new TypeError(`ProblemError: "status" must be an integer from 400 to 599, got ${status}`),
    );
  });

  it('rejects an extension that would replace a standard member', () => {
    expect(() => new ProblemError(400, { extensions: { status: 200 } })).toThrow(
      'ProblemError: extension member "status" would replace the standard member of that name',
    );
  });
});

describe('problemType', () => {
  it('builds a tag: URI', () => {
    expect(problemType('quota-exceeded')).toBe('tag:expresskit.dev,2026:quota-exceeded');
  });
});

describe.each(expressMajors)('sendProblem on $name', ({ express }) => {
  it('sends a ProblemError as application/problem+json with its headers', async () => {
    const app = express();
    app.get('/limited', (_req, res) => {
      sendProblem(
        res,
        new ProblemError(429, {
          type: problemType('quota-exceeded'),
          detail: 'Quota exceeded for policy "per-second"',
          extensions: { 'violated-policies': ['per-second'] },
          headers: { 'Retry-After': '2' },
        }),
      );
    });
    const response = await request(app).get('/limited');
    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toEqual({
      type: 'tag:expresskit.dev,2026:quota-exceeded',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Quota exceeded for policy "per-second"',
      'violated-policies': ['per-second'],
    });
  });

  it('sends a plain problem object, filling type and title', async () => {
    const app = express();
    app.get('/bad', (_req, res) => sendProblem(res, { status: 400, detail: 'nope', parameter: 'page' }));
    const response = await request(app).get('/bad');
    expect(response.status).toBe(400);
    expect(response.text).toBe(
      '{"type":"about:blank","title":"Bad Request","status":400,"detail":"nope","parameter":"page"}',
    );
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.text)));
  });

  it('sends no body to HEAD but keeps the headers', async () => {
    const app = express();
    app.head('/bad', (_req, res) => sendProblem(res, { status: 400 }));
    const response = await request(app).head('/bad');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.text).toBeUndefined();
  });
});

describe('sendProblem on node:http', () => {
  it('works without Express', async () => {
    const server = createServer((_req, res) => sendProblem(res, new ProblemError(503, { detail: 'draining' })));
    const response = await request(server).get('/');
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'draining',
    });
  });

  it('destroys a response whose headers were already sent instead of corrupting it', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      sendProblem(res, { status: 500 });
    });
    await expect(request(server).get('/')).rejects.toThrow();
  });
});
