import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { httpStatus, renderHealth } from './render.js';
import type { CheckResult } from './runner.js';

const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

const result = (overrides: Partial<CheckResult>): CheckResult => ({
  key: 'db:responseTime',
  status: 'pass',
  critical: true,
  componentType: undefined,
  componentId: undefined,
  observedValue: undefined,
  observedUnit: undefined,
  output: undefined,
  time: '2026-11-24T03:00:00.000Z',
  durationMs: 3,
  error: undefined,
  ...overrides,
});

describe('renderHealth', () => {
  const report = {
    status: 'warn' as const,
    output: undefined,
    results: [
      result({ observedValue: 3.2, observedUnit: 'ms', componentType: 'datastore', componentId: 'primary' }),
      result({ key: 'db:responseTime', componentId: 'replica', status: 'fail', critical: false, output: 'timeout' }),
      result({ key: 'uptime', observedValue: 12, observedUnit: 's' }),
    ],
  };

  it('answers the status only when not detailed', () => {
    expect(renderHealth(report, false, { version: '1' })).toEqual({ status: 'warn' });
  });

  it('groups results by key in draft-06 shape when detailed, omitting undefined members', () => {
    const body = renderHealth(report, true, { version: '1', serviceId: 'api-1' });
    expect(body).toEqual({
      status: 'warn',
      version: '1',
      serviceId: 'api-1',
      checks: {
        'db:responseTime': [
          {
            componentId: 'primary',
            componentType: 'datastore',
            observedValue: 3.2,
            observedUnit: 'ms',
            status: 'pass',
            time: '2026-11-24T03:00:00.000Z',
          },
          { componentId: 'replica', status: 'fail', time: '2026-11-24T03:00:00.000Z', output: 'timeout' },
        ],
        uptime: [{ observedValue: 12, observedUnit: 's', status: 'pass', time: '2026-11-24T03:00:00.000Z' }],
      },
    });
    expect(validate(body)).toBe(true);
  });

  it("omits a passing check's output (draft-06: output is for fail and warn only)", () => {
    const body = renderHealth(
      { status: 'pass', output: undefined, results: [result({ output: 'all good', observedValue: 1 })] },
      true,
    );
    expect(body).toEqual({
      status: 'pass',
      checks: { 'db:responseTime': [{ observedValue: 1, status: 'pass', time: '2026-11-24T03:00:00.000Z' }] },
    });
  });

  it('carries the probe output and no checks when none ran', () => {
    expect(renderHealth({ status: 'fail', output: 'shutting down', results: [] }, true)).toEqual({
      status: 'fail',
      output: 'shutting down',
    });
  });

  it.each([
    ['pass', 200],
    ['warn', 200],
    ['fail', 503],
  ] as const)('%s → HTTP %i', (status, code) => {
    expect(httpStatus(status)).toBe(code);
  });
});

describe('the published JSON Schema', () => {
  it.each([
    [{ status: 'ok' }, '/status'],
    [{}, ''],
    [{ status: 'pass', extra: 1 }, ''],
    [{ status: 'pass', checks: { 'db:ping': [{ status: 'pass' }] } }, '/checks/db:ping/0'],
    [{ status: 'pass', checks: { 'db:ping': [{ status: 'pass', time: 'yesterday' }] } }, '/checks/db:ping/0/time'],
    [{ status: 'pass', checks: { 'db:ping': [] } }, '/checks/db:ping'],
    [{ status: 'pass', checks: { 'a:b:c': [{ status: 'pass', time: '2026-11-24T03:00:00Z' }] } }, '/checks'],
  ])('rejects %j', (body, instancePath) => {
    expect(validate(body)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe(instancePath);
  });

  it('is exported as @expresskit/health/schema.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(manifest.exports['./schema.json']).toBe('./schema.json');
    expect(manifest.files).toContain('schema.json');
  });
});
