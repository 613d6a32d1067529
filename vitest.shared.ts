import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The vitest configuration every workspace package uses: colocated `src/**\/*.test.ts`, a JSON
 * result file per package (read by `.ci/run` for its summary line and cached by turbo), and no
 * `.only` left behind in CI.
 */
export function packageConfig(overrides: { testTimeout?: number; hookTimeout?: number } = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: overrides.hookTimeout ?? 60_000,
      allowOnly: false,
      passWithNoTests: false,
      restoreMocks: true,
    },
  });
}
