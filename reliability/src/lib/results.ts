import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './app-process.js';

/** Where the scenarios write their figures; `report.ts` turns them into docs/RELIABILITY.md. */
export const resultsDir = path.join(repoRoot, 'reliability/results');

export type FigureValue = string | number | boolean;

/** One measured case of a scenario (e.g. "one Redis" and "Redis Cluster" of scenario 1). */
export interface CaseResult {
  /** The scenario's file stem, e.g. `1-shared-limits` (its text is `src/scenarios/<scenario>.md`). */
  scenario: string;
  /** The case's heading in the report, e.g. `3 processes, one Redis`. */
  case: string;
  /** Label → value, in the order the report shows them. Units belong in the label (`p99 (ms)`). */
  figures: Record<string, FigureValue>;
  /** ISO timestamp, set by `recordCase`. */
  recordedAt?: string;
}

function fileName(scenario: string, caseName: string): string {
  const slug = caseName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${scenario}--${slug}.json`;
}

/**
 * Records a case's figures for the report. Call it from the test once the figures are measured and
 * BEFORE the assertions that could fail, so a failed run still shows what it measured.
 */
export function recordCase(result: CaseResult): void {
  mkdirSync(resultsDir, { recursive: true });
  const withTime = { ...result, recordedAt: new Date().toISOString() };
  writeFileSync(
    path.join(resultsDir, fileName(result.scenario, result.case)),
    `${JSON.stringify(withTime, null, 2)}\n`,
  );
}

/** Every recorded case, by scenario, then in the order the cases were recorded. */
export function readCases(dir = resultsDir): CaseResult[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.json') && name.includes('--'))
    .map((name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as CaseResult)
    .sort(
      (a, b) =>
        a.scenario.localeCompare(b.scenario) ||
        (a.recordedAt ?? '').localeCompare(b.recordedAt ?? '') ||
        a.case.localeCompare(b.case),
    );
}
