import { packageConfig } from '../vitest.shared.ts';

// `pnpm test` (turbo): the suite's own helpers only. The scenarios are heavy (several app processes,
// load, Redis restarts) and run with `pnpm reliability` (vitest.scenarios.config.ts), called by .ci/run.
const config = packageConfig();
export default { ...config, test: { ...config.test, include: ['src/lib/**/*.test.ts', 'src/*.test.ts'] } };
