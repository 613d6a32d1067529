import { defineConfig } from 'vitest/config';

// `pnpm vitest` at the root runs every workspace package's suite in one process (handy while
// developing); `pnpm test` runs them through turbo, per package and cached.
export default defineConfig({
  test: {
    projects: ['packages/*', 'tooling/*', 'examples/*', 'bench', 'reliability'],
  },
});
