import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadBothWays } from '@expresskit/testing';
import { expect, it } from 'vitest';

const cwd = path.join(import.meta.dirname, '..');
const expected = [
  'CheckTimeoutError',
  'HEALTH_CONTENT_TYPE',
  'eventLoopDelayCheck',
  'gracefulShutdown',
  'health',
  'heapCheck',
  'redisCheck',
  'rssCheck',
  'underPressure',
];

it('the built package loads with import and with require(), exporting the public API', () => {
  const { imported, required } = loadBothWays('@expresskit/health', cwd);
  expect(imported).toEqual(expected);
  expect(required).toEqual(expected);
});

it('publishes the JSON Schema as @expresskit/health/schema.json', () => {
  const source =
    "const { default: schema } = await import('@expresskit/health/schema.json', { with: { type: 'json' } });" +
    "const { createRequire } = await import('node:module');" +
    "const required = createRequire(process.cwd() + '/').call(null, '@expresskit/health/schema.json');" +
    'console.log(JSON.stringify([schema.title, required.title, schema.required]));';
  const output = execFileSync(process.execPath, ['--no-warnings', '--input-type', 'module', '-e', source], {
    cwd,
    encoding: 'utf8',
  });
  const title = 'Health Check Response (application/health+json, draft-inadarei-api-health-check-06)';
  expect(JSON.parse(output)).toEqual([title, title, ['status']]);
});
