import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CaseResult, readCases } from './results.js';

describe('readCases', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('returns the cases by scenario, then in the order they were recorded; ignores other files', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'reliability-results-'));
    const write = (file: string, result: CaseResult) =>
      writeFileSync(path.join(dir ?? '', file), JSON.stringify(result));
    write('2-b--z-later.json', {
      scenario: '2-b',
      case: 'z later',
      figures: { n: 1 },
      recordedAt: '2026-11-24T07:00:02Z',
    });
    write('2-b--a-first.json', {
      scenario: '2-b',
      case: 'a first',
      figures: { n: 2 },
      recordedAt: '2026-11-24T07:00:03Z',
    });
    write('1-a--only.json', { scenario: '1-a', case: 'only', figures: {}, recordedAt: '2026-11-24T07:00:09Z' });
    write('vitest.json', { scenario: 'not a case', case: '', figures: {} });
    expect(readCases(dir).map((entry) => `${entry.scenario}/${entry.case}`)).toEqual([
      '1-a/only',
      '2-b/z later',
      '2-b/a first',
    ]);
  });

  it('is empty when nothing was recorded', () => {
    expect(readCases(path.join(tmpdir(), 'reliability-no-such-dir'))).toEqual([]);
  });
});
