import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expressMajors } from '@expresskit/testing';
import { Ajv } from 'ajv';
import type { Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthOptions, type HealthRouter, health } from './health.js';

const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

/** Every probe answer: health+json, no-store, and a body valid against the published schema. */
function expectHealthJson(response: request.Response): void {
  expect(response.headers['content-type']).toBe('application/health+json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(response.text) as unknown;
  const valid = validate(body);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
}

/** GETs a probe and checks the answer is valid health+json (every probe answer in this file goes through it). */
async function probe(app: Express, url: string, headers: Record<string, string> = {}): Promise<request.Response> {
  const response = await request(app).get(url).set(headers);
  expectHealthJson(response);
  return response;
}

const routers: HealthRouter[] = [];
afterEach(() => {
  for (const router of routers.splice(0)) router.close();
});

describe.each(expressMajors)('health() on $name', ({ express }) => {
  function app(options: HealthOptions, mount?: string): { app: Express; probes: HealthRouter } {
    const probes = health(options);
    routers.push(probes);
    const app = express();
    if (mount) app.use(mount, probes);
    else app.use(probes);
    return { app, probes };
  }

  it('liveness passes without running any readiness or startup check', async () => {
    let runs = 0;
    const count = () => void runs++;
    const { app: server } = app({ checks: { 'db:ping': count }, startupChecks: { 'migrations:done': count } });
    const response = await probe(server, '/health/live');
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"status":"pass"}');
    expectHealthJson(response);
    expect(runs).toBe(0);
  });

  it('readiness fails until markStarted(), then runs the checks', async () => {
    let runs = 0;
    const { app: server, probes } = app({ checks: { 'db:ping': () => void runs++ } });
    const before = await probe(server, '/health/ready');
    expect(before.status).toBe(503);
    expect(before.text).toBe('{"status":"fail"}');
    expectHealthJson(before);
    expect(runs).toBe(0);
    expect((await probe(server, '/health/startup')).status).toBe(503);
    probes.markStarted();
    const after = await probe(server, '/health/ready');
    expect(after.status).toBe(200);
    expect(after.text).toBe('{"status":"pass"}');
    expect(runs).toBe(1);
    const startup = await probe(server, '/health/startup');
    expect(startup.status).toBe(200);
    expectHealthJson(startup);
  });

  it('startup completes once the startup checks pass, and never runs them again', async () => {
    let migrated = false;
    let runs = 0;
    const { app: server, probes } = app({
      startupChecks: {
        'migrations:done': () => {
          runs++;
          if (!migrated) throw new Error('migrations pending');
        },
      },
      cacheTtl: 0,
      details: true,
    });
    const pending = await probe(server, '/health/startup');
    expect(pending.status).toBe(503);
    expectHealthJson(pending);
    expect(pending.body).toMatchObject({
      status: 'fail',
      checks: { 'migrations:done': [{ status: 'fail', output: 'migrations pending' }] },
    });
    migrated = true;
    expect((await probe(server, '/health/startup')).status).toBe(200);
    expect(probes.started).toBe(true);
    expect((await probe(server, '/health/startup')).body).toEqual({ status: 'pass' });
    expect((await probe(server, '/health/ready')).status).toBe(200);
    expect(runs).toBe(2);
  });

  it('a failing critical check fails readiness with 503; a failing non-critical one warns with 200', async () => {
    const down = () => Promise.reject(new Error('ECONNREFUSED'));
    const critical = app({ started: true, checks: { 'db:ping': down, 'cache:ping': () => undefined } });
    const fail = await probe(critical.app, '/health/ready');
    expect(fail.status).toBe(503);
    expect(fail.text).toBe('{"status":"fail"}');
    expectHealthJson(fail);

    const optional = app({ started: true, checks: { 'search:ping': { check: down, critical: false } } });
    const warn = await probe(optional.app, '/health/ready');
    expect(warn.status).toBe(200);
    expect(warn.text).toBe('{"status":"warn"}');
    expectHealthJson(warn);
  });

  it('a check that warns makes readiness warn with 200', async () => {
    const { app: server } = app({ started: true, checks: { 'disk:utilization': () => ({ status: 'warn' }) } });
    const response = await probe(server, '/health/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'warn' });
  });

  it('shows details only to authorised requests', async () => {
    const { app: server } = app({
      started: true,
      details: (req) => req.get('x-health-token') === 'secret',
      service: { version: '1', releaseId: '1.4.2', serviceId: 'api-7f9c', description: 'orders API' },
      checks: {
        'db:responseTime': { check: () => ({ observedValue: 12, observedUnit: 'ms' }), componentType: 'datastore' },
        'search:ping': { check: () => Promise.reject(new Error('index red')), critical: false, componentId: 'es-1' },
      },
    });
    const anonymous = await probe(server, '/health/ready');
    expect(anonymous.status).toBe(200);
    expect(anonymous.text).toBe('{"status":"warn"}');

    const authorised = await probe(server, '/health/ready', { 'X-Health-Token': 'secret' });
    expect(authorised.status).toBe(200);
    expectHealthJson(authorised);
    const time = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(authorised.body).toEqual({
      status: 'warn',
      version: '1',
      releaseId: '1.4.2',
      serviceId: 'api-7f9c',
      description: 'orders API',
      checks: {
        'db:responseTime': [
          { componentType: 'datastore', observedValue: 12, observedUnit: 'ms', status: 'pass', time },
        ],
        'search:ping': [{ componentId: 'es-1', status: 'fail', time, output: 'index red' }],
      },
    });
  });

  it('10 concurrent probes share one check run', async () => {
    // The check finishes only once all 10 probes have arrived, and nothing is cached (cacheTtl 0):
    // a single run can only come from coalescing, however slowly the requests arrive.
    let runs = 0;
    let arrived = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const probes = health({
      started: true,
      cacheTtl: 0,
      timeout: '30s',
      checks: {
        'db:ping': async () => {
          runs++;
          await gate;
        },
      },
    });
    routers.push(probes);
    const server = express();
    server.use((_req, _res, next) => {
      arrived++;
      next();
      if (arrived === 10) setImmediate(release);
    });
    server.use(probes);
    const responses = await Promise.all(Array.from({ length: 10 }, () => probe(server, '/health/ready')));
    expect(responses.map((response) => [response.status, response.text])).toEqual(
      Array(10).fill([200, '{"status":"pass"}']),
    );
    expect(runs).toBe(1);
    expect((await probe(server, '/health/ready')).status).toBe(200);
    expect(runs).toBe(2);
  });

  it('answers a hanging check with a timeout failure', async () => {
    const { app: server } = app({
      started: true,
      timeout: '100ms',
      details: true,
      checks: { 'db:ping': () => new Promise(() => {}) },
    });
    const response = await probe(server, '/health/ready');
    expect(response.status).toBe(503);
    expectHealthJson(response);
    expect(response.body.checks['db:ping'][0].output).toBe('check "db:ping" timed out after 100 ms');
  });

  it('accepts query strings and HEAD', async () => {
    const { app: server } = app({ started: true });
    const query = await probe(server, '/health/ready?verbose=1&x[y]=z');
    expect(query.status).toBe(200);
    expect(query.text).toBe('{"status":"pass"}');
    const head = await request(server).head('/health/live?probe=kubelet');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/health+json; charset=utf-8');
    expect(head.headers['content-length']).toBe('17');
    expect(head.text).toBeUndefined();
  });

  it('serves configured paths under a mount point and leaves other paths alone', async () => {
    const { app: server } = app(
      { started: true, paths: { live: '/livez', ready: '/readyz', startup: '/startupz' } },
      '/ops',
    );
    expect((await probe(server, '/ops/livez')).status).toBe(200);
    expect((await probe(server, '/ops/readyz')).status).toBe(200);
    expect((await probe(server, '/ops/startupz')).status).toBe(200);
    expect((await request(server).get('/ops/health/live')).status).toBe(404);
    expect((await request(server).post('/ops/readyz')).status).toBe(404);
  });

  it('fails readiness at once when shutting down, while liveness keeps passing', async () => {
    let runs = 0;
    const { app: server, probes } = app({ started: true, details: true, checks: { 'db:ping': () => void runs++ } });
    probes.markShuttingDown();
    const ready = await probe(server, '/health/ready');
    expect(ready.status).toBe(503);
    expectHealthJson(ready);
    expect(ready.body).toEqual({ status: 'fail', output: 'shutting down' });
    expect(runs).toBe(0);
    expect((await probe(server, '/health/live')).status).toBe(200);
  });

  it('lets onError replace the answer when the probe itself fails', async () => {
    const { app: server } = app({
      started: true,
      details: () => {
        throw new Error('token store down');
      },
      onError: (error, _req, res) => {
        res
          .status(500)
          .type('text/plain')
          .send(`probe failed: ${(error as Error).message}`);
      },
    });
    const response = await request(server).get('/health/ready');
    expect(response.status).toBe(500);
    expect(response.text).toBe('probe failed: token store down');
  });

  it('answers publicly when the details authoriser does not settle within the timeout', async () => {
    const { app: server } = app({
      started: true,
      timeout: '100ms',
      details: () => new Promise<boolean>(() => {}),
      checks: { 'db:ping': () => ({ observedValue: 1 }) },
    });
    const response = await probe(server, '/health/ready');
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"status":"pass"}');
  });

  it('answers 503 fail by default when the probe itself fails', async () => {
    const { app: server } = app({ started: true, details: () => Promise.reject(new Error('nope')) });
    const response = await probe(server, '/health/live');
    expect(response.status).toBe(503);
    expect(response.text).toBe('{"status":"fail"}');
    expectHealthJson(response);
  });
});
