import { str, type CommandValues } from './commandValues.ts';
import { createKafka } from '../ingest/kafka/client.ts';
import { replayDeadLetters } from '../ingest/kafka/replay.ts';
import { REJECT_REASONS } from '../ingest/pipeline/outcome.ts';
import { deadLetterTopic, parseConfig } from './config.ts';
import { kafkaConnection } from './kafkaOptions.ts';
import { assertReachable } from './commandErrors.ts';
import { count, progressLine } from './progress.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * `carrello dlq replay [--reason R] [--dry-run]`: sends the dead letters not replayed yet (all, or those of
 * one reason) back to the event topic, those still refused back to the dead-letter topic with their replay
 * count, each once (ingest/kafka/replay.ts), and prints a JSON report.
 */
export async function dlqCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const reason = str(values, 'reason');
  if (reason !== undefined && !(REJECT_REASONS as readonly string[]).includes(reason)) {
    throw new CarrelloError('usage', `--reason: expected one of ${REJECT_REASONS.join(', ')}`);
  }
  const config = parseConfig({ brokers: str(values, 'brokers'), topic: str(values, 'topic') }, env);
  if (!config.kafka_brokers) throw new CarrelloError('invalid_config', 'kafka_brokers: carrello dlq needs KAFKA_BROKERS (or --brokers host:port,...)');
  await assertReachable('Kafka', config.kafka_brokers);
  const kafka = createKafka(kafkaConnection(config, config.kafka_brokers));
  const line = progressLine('carrello dlq replay');
  const counts = (r: { read: number; replayed: number; still_invalid: number }) =>
    `${count(r.read)} dead letters read, ${count(r.replayed)} replayed, ${count(r.still_invalid)} still invalid`;
  const report = await replayDeadLetters(kafka, {
    deadLetterTopic: deadLetterTopic(config),
    targetTopic: config.kafka_topic,
    reason,
    dryRun: values['dry-run'] === true,
    maxEventBytes: config.max_event_bytes,
    onProgress: (r) => line.update(counts(r)),
  }).catch((err: unknown) => {
    line.stop();
    throw err;
  });
  line.done(counts(report));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}
