import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.cache/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites own their names (files, ports), so files run side by side; 2 cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
