import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.cache/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One real Kafka broker per run (~4 s to start), shared by every suite through inject('kafkaBrokers');
    // KAFKA_BROKERS points the suites at an existing cluster instead.
    globalSetup: ['test/support/kafka.ts'],
    // Every JSON answer a suite receives from carrello is validated against /openapi.json (answerCheck.ts).
    setupFiles: ['test/support/answerCheck.ts'],
    // Suites own their names (files, ports, topics, groups), so files run side by side; 2 cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
