// Reads every workspace package's vitest JSON result (test-results.json, written by the shared
// vitest config and restored by turbo on a cache hit) and prints one closing line:
//   <label>: N passed, N failed, N skipped
// Exits 1 when a test failed, a package has no result, or no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const label = process.argv[2] ?? `node ${process.version}`;
// `--file <vitest.json>`: summarise that one result file (the reliability suite's) instead.
const fileFlag = process.argv.indexOf('--file');
const dirs = [];
for (const group of ['packages', 'tooling', 'examples']) {
  const base = path.join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) dirs.push(path.join(base, name));
}
dirs.push(path.join(root, 'bench'), path.join(root, 'reliability'));

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const resultFiles = [];
if (fileFlag !== -1) {
  const file = path.resolve(process.argv[fileFlag + 1] ?? '');
  if (existsSync(file)) resultFiles.push(file);
  else missing.push(path.relative(root, file));
}
for (const dir of fileFlag === -1 ? dirs : []) {
  const manifest = path.join(dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const { scripts = {}, name } = JSON.parse(readFileSync(manifest, 'utf8'));
  if (!scripts.test) continue;
  const resultFile = path.join(dir, 'test-results.json');
  if (existsSync(resultFile)) resultFiles.push(resultFile);
  else missing.push(name);
}
for (const resultFile of resultFiles) {
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0) + (result.numFailedTestSuites ?? 0);
  skipped += result.numPendingTests + result.numTodoTests;
}
for (const name of missing) console.error(`${label}: no test result for ${name}`);
console.log(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
