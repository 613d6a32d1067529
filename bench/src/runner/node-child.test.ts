import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNodeChild } from './processes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bench-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe('runNodeChild (how the micro-benchmarks run)', () => {
  it('returns the standard output of a child that exits 0', async () => {
    const file = script('ok.mjs', 'process.stdout.write(JSON.stringify(process.argv.slice(2)));');
    expect(await runNodeChild(file, ['a', 'b'], 10_000)).toBe('["a","b"]');
  });

  it('rejects with the exit code and standard error of a failing child', async () => {
    const file = script('fail.mjs', "console.error('no such scenario'); process.exit(2);");
    await expect(runNodeChild(file, ['x'], 10_000)).rejects.toThrow('fail.mjs x: exit code 2: no such scenario');
  });

  it('kills a child that outlives its time limit', async () => {
    const file = script('hang.mjs', 'setInterval(() => {}, 1000);');
    const started = performance.now();
    await expect(runNodeChild(file, [], 300)).rejects.toThrow('hang.mjs : SIGKILL (timeout 300 ms?)');
    // A hung child would never end; the bound leaves margin for a loaded machine.
    expect(performance.now() - started).toBeLessThan(8_000);
  });
});
