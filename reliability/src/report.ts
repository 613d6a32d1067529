import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './lib/app-process.js';
import { renderReport, type ScenarioText } from './lib/render.js';
import { readCases, resultsDir } from './lib/results.js';

/** Rewrites docs/RELIABILITY.md from the scenario texts and the figures of the last run. */
const scenariosDir = path.join(repoRoot, 'reliability/src/scenarios');
const scenarios: ScenarioText[] = readdirSync(scenariosDir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => ({ stem: name.slice(0, -3), text: readFileSync(path.join(scenariosDir, name), 'utf8') }));

const vitestFile = path.join(resultsDir, 'vitest.json');
let tests: { passed: number; failed: number; skipped: number; durationS: number } | undefined;
if (existsSync(vitestFile)) {
  const result = JSON.parse(readFileSync(vitestFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    startTime: number;
    testResults: { endTime?: number }[];
  };
  const end = Math.max(result.startTime, ...result.testResults.map((file) => file.endTime ?? 0));
  tests = {
    passed: result.numPassedTests,
    failed: result.numFailedTests,
    skipped: result.numPendingTests + result.numTodoTests,
    durationS: Math.round((end - result.startTime) / 1000),
  };
}

const cpus = os.cpus();
const report = renderReport(scenarios, readCases(), {
  date: new Date().toISOString(),
  node: process.version,
  machine: `${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')} at the end`,
  tests,
});
const target = path.join(repoRoot, 'docs/RELIABILITY.md');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, report);
console.log(`wrote ${path.relative(repoRoot, target)} (${scenarios.length} scenarios)`);
