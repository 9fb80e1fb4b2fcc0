// A real Kafka for integration suites, wired through a vitest globalSetup:
//   KAFKA_BROKERS set        -> use that cluster;
//   java and mvn on PATH     -> start the local broker (scripts/kafka) and stop it at teardown;
//   neither, with CI set     -> fail: a Kafka suite must never skip in CI;
//   neither, outside CI      -> tests see `kafkaBrokers === null` and skip.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startKafka } from '../../scripts/kafka/broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** kafkajs `brokers` as a comma-separated string, or null when no Kafka could be had (never in CI). */
    kafkaBrokers: string | null;
  }
}

export type KafkaForTests = { brokers: string; stop: () => Promise<void> } | { brokers: null; reason: string };

export async function acquireKafka(env: NodeJS.ProcessEnv = process.env): Promise<KafkaForTests> {
  const external = env.KAFKA_BROKERS?.trim();
  if (external) return { brokers: external, stop: async () => {} };

  const missing: string[] = [];
  for (const tool of ['java', 'mvn']) if (!(await onPath(tool, env.PATH ?? ''))) missing.push(tool);
  if (missing.length === 0) {
    const kafka = await startKafka({ log: (line) => console.error(`[kafka] ${line}`) });
    return { brokers: kafka.brokers, stop: kafka.stop };
  }

  const reason = `KAFKA_BROKERS is unset and ${missing.join(', ')} not on PATH`;
  if (env.CI && env.CI !== 'false') throw new Error(`Kafka is required in CI: ${reason}`);
  return { brokers: null, reason };
}

/** Body of a vitest globalSetup: provides `kafkaBrokers` to the project's tests, returns the teardown. */
export async function provideKafka(project: TestProject): Promise<() => Promise<void>> {
  const kafka = await acquireKafka();
  project.provide('kafkaBrokers', kafka.brokers);
  if (kafka.brokers === null) {
    console.warn(`[kafka] Kafka suites will be skipped: ${kafka.reason}`);
    return async () => {};
  }
  return kafka.stop;
}

// Lets a vitest config list this file itself under `globalSetup`.
export { provideKafka as setup };

async function onPath(command: string, searchPath: string): Promise<boolean> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    try {
      await access(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}
