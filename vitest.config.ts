import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Servers in tests bind to 127.0.0.1 on ephemeral ports, so files can run in parallel.
    pool: 'forks',
  },
})
