import { spawnSync } from 'node:child_process';
import { describe } from 'vitest';

/** `promtool` from Debian's `prometheus` package (or `PROMTOOL=/path/to/promtool`). */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const INSTALL_HINT = 'install it with `apt-get install prometheus` (Debian/Ubuntu) or from prometheus.io/download';

/**
 * Whether `promtool` can run here. In CI (`CI=true`) a missing promtool is an error, never a
 * skip, so a green CI run always includes the promtool checks.
 */
export const promtoolAvailable: boolean = (() => {
  const found = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error(`promtool not found but CI=true: the promtool checks must run in CI; ${INSTALL_HINT}`);
  }
  if (!found) console.warn(`[expresskit] promtool checks skipped: promtool not found; ${INSTALL_HINT}.`);
  return found;
})();

/** `describe` when promtool is available, else `describe.skip` (never in CI). */
export const describePromtool: typeof describe = promtoolAvailable ? describe : (describe.skip as typeof describe);

/** Runs promtool; returns its exit status and combined output. */
export function promtool(args: readonly string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** The `prometheus` server from the same Debian package (or `PROMETHEUS=/path/to/prometheus`). */
export const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';

/** Whether the Prometheus server can run here; like promtool, required when `CI=true`. */
export const prometheusAvailable: boolean = (() => {
  const found = spawnSync(PROMETHEUS, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error(`prometheus not found but CI=true: the scrape test must run in CI; ${INSTALL_HINT}`);
  }
  if (!found) console.warn(`[expresskit] Prometheus scrape test skipped: prometheus not found; ${INSTALL_HINT}.`);
  return found;
})();

/** `describe` when the Prometheus server is available, else `describe.skip` (never in CI). */
export const describePrometheus: typeof describe = prometheusAvailable ? describe : (describe.skip as typeof describe);
