import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // chDB segfaults inside worker threads: every test file runs in its own child process.
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    include: ['packages/*/src/**/*.test.ts', 'collector/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more forks than that only make chDB-heavy files contend.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
})
