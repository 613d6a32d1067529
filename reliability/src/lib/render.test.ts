import { describe, expect, it } from 'vitest';
import { renderReport } from './render.js';

describe('renderReport', () => {
  const run = { date: '2026-11-24T06:00:00.000Z', node: 'v20.20.2', machine: 'linux x64, 2 cores' };

  it('orders scenarios by number and shows each case as a table of its figures', () => {
    const report = renderReport(
      [
        { stem: '10-last', text: '## 10. Last\n\nText ten.' },
        { stem: '2-second', text: '## 2. Second\n\nText two.\n' },
      ],
      [
        {
          scenario: '2-second',
          case: 'one Redis',
          figures: { 'requests sent': 12000, 'p99 (ms)': 3.5, ok: true, 'a|b': 'x|y' },
          recordedAt: '2026-11-24T06:01:00.000Z',
        },
      ],
      { ...run, tests: { passed: 3, failed: 0, skipped: 0, durationS: 42 } },
    );
    expect(report.indexOf('## 2. Second')).toBeLessThan(report.indexOf('## 10. Last'));
    expect(report).toContain('Result: 3 passed, 0 failed, 0 skipped in 42 s.');
    expect(report).toContain(
      [
        '**one Redis** (2026-11-24T06:01:00.000Z)',
        '',
        '| figure | value |',
        '| --- | --- |',
        '| requests sent | 12,000 |',
        '| p99 (ms) | 3.5 |',
        '| ok | true |',
        '| a\\|b | x\\|y |',
      ].join('\n'),
    );
    expect(report).toContain(
      '## 10. Last\n\nText ten.\n\n_No figures: this scenario did not record any in the last run._',
    );
    expect(report.endsWith('\n')).toBe(true);
    expect(report).not.toMatch(/\n{3}/);
  });
});
