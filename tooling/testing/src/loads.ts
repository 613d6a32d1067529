import { execFileSync } from 'node:child_process';

/**
 * The sorted export names of the built package `name`, loaded from `cwd` in a separate Node
 * process, once with `import` and once with `require()` (Node ≥ 20.19 loads ESM with require).
 */
export function loadBothWays(name: string, cwd: string): { imported: string[]; required: string[] } {
  const run = (source: string, type: 'module' | 'commonjs'): string[] => {
    const output = execFileSync(process.execPath, ['--no-warnings', '--input-type', type, '-e', source], {
      cwd,
      encoding: 'utf8',
    });
    return JSON.parse(output) as string[];
  };
  const quoted = JSON.stringify(name);
  return {
    imported: run(`const m = await import(${quoted}); console.log(JSON.stringify(Object.keys(m).sort()));`, 'module'),
    required: run(
      `const m = require(${quoted}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule' && k !== 'module.exports').sort()));`,
      'commonjs',
    ),
  };
}
