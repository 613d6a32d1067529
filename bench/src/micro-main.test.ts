import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built child (the test task depends on the build), as `pnpm bench` starts it.
const CHILD = fileURLToPath(new URL('../dist/micro-main.js', import.meta.url));

describe('micro-main (one micro-benchmark in a fresh process)', () => {
  it('prints one sample per round for every contender of the scenario', () => {
    const output = execFileSync(process.execPath, [CHILD, 'etag-micro', '2', '20'], { encoding: 'utf8' });
    const samples = JSON.parse(output) as Record<string, { rps: number }[]>;
    expect(Object.keys(samples)).toEqual(['express', 'ours']);
    for (const rounds of Object.values(samples)) {
      expect(rounds).toHaveLength(2);
      for (const { rps } of rounds) expect(rps).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown scenario with the usage and exit code 2', () => {
    let status: number | null = null;
    let stderr = '';
    try {
      execFileSync(process.execPath, [CHILD, 'nope', '1', '20'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      ({ status, stderr } = error as { status: number; stderr: string });
    }
    expect(status).toBe(2);
    expect(stderr).toContain('usage: micro-main.js <fields-micro|etag-micro|etag-micro-catalog> <rounds> <slice ms>');
  });
});
