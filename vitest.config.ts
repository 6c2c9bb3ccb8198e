import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'packages/pos/web/test/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // Tests that need a PostgreSQL server (several till processes on one database) run only in
    // the pass that has one: CI's second pass sets KASSE_TEST_DATABASE_URL (.ci/run).
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.KASSE_TEST_DATABASE_URL ? [] : ['**/*.postgres.test.ts']),
    ],
    // The till serves the cashier app from packages/pos/web/dist: built here when its sources changed.
    globalSetup: ['packages/pos/web/test/global-setup.mjs'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Servers in tests bind to 127.0.0.1 on ephemeral ports, so files can run in parallel.
    pool: 'forks',
  },
})
