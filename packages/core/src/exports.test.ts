import path from 'node:path';
import { loadBothWays } from '@expresskit/testing';
import { expect, it } from 'vitest';

const expected = [
  'CHANNELS',
  'ExpressLayer',
  'PROBLEM_CONTENT_TYPE',
  'ProblemError',
  'channel',
  'isProblemError',
  'parseDuration',
  'problemType',
  'sendProblem',
  'subscribe',
];

it('the built package loads with import and with require(), exporting the public API', () => {
  const { imported, required } = loadBothWays('@expresskit/core', path.join(import.meta.dirname, '..'));
  expect(imported).toEqual(expected);
  expect(required).toEqual(expected);
});
