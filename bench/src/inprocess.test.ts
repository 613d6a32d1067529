import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built tool (the test task depends on the build), as `pnpm inprocess` runs it.
const TOOL = fileURLToPath(new URL('../dist/inprocess.js', import.meta.url));

describe('inprocess', () => {
  it('a run sends the requests into the server and reports µs per request', () => {
    const output = execFileSync(
      process.execPath,
      [TOOL, '--run', 'etag/ours', '--requests', '40', '--warmup', '10', '--concurrency', '4'],
      { encoding: 'utf8' },
    );
    const result = JSON.parse(output) as { server: string; wall: number; cpu: number };
    expect(result.server).toBe('etag/ours');
    expect(result.wall).toBeGreaterThan(0);
    expect(result.cpu).toBeGreaterThan(0);
  });

  it('a run fails, naming the status, when the server does not answer 200', () => {
    expect(() =>
      execFileSync(
        process.execPath,
        [TOOL, '--run', 'etag/ours', '--requests', '4', '--warmup', '0', '--path', '/nope'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    ).toThrow(/etag\/ours: answered 404, expected 200/);
  });

  it('refuses unknown servers with the usage', () => {
    expect(() =>
      execFileSync(process.execPath, [TOOL, 'etag/ours', 'nope'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ).toThrow(/usage: inprocess <server> <server>/);
  });
});
