import { defineConfig } from 'vitest/config';

/**
 * The reliability scenarios: one file at a time (each starts its own processes and load, and timing
 * figures mean nothing when two run at once), generous timeouts, results in `results/`.
 */
export default defineConfig({
  test: {
    include: ['src/scenarios/**/*.test.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 180_000,
    hookTimeout: 120_000,
    allowOnly: false,
    passWithNoTests: false,
    reporters: ['default', ['json', { outputFile: 'results/vitest.json' }]],
  },
});
