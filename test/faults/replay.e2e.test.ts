import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { metricValue, produce, waitForProgress } from '../support/kafkaTest.ts';
import { abandonment, committedTotal, conservation, faultSuite, report, traffic, withStore } from './support.ts';

const brokers = inject('kafkaBrokers');

describe.skipIf(brokers === null)('fault: the consumer group replays the topic from the beginning', () => {
  const s = faultSuite('replay', brokers!);

  it('offsets reset to earliest: a worker re-reads everything and every answer stays the same', async () => {
    // given a topic fully ingested by a worker, and the answers it gives
    const t = traffic('fault-replay', 2);
    const { topic, group, env: base } = await s.newTopic('replay');
    await produce(s.kafka, topic, t.messages);
    const store = join(s.dir, 'store.duckdb');
    const env = base;
    const start = () => s.startWorker(store, env);
    const first = await start();
    await waitForProgress('catching up', () => committedTotal(s.admin, group, topic), BigInt(t.messages.length));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const before = await withStore(store, async (w) => ({ figures: await conservation(w, t.valid), answer: await abandonment(w) }));

    // when the stopped group's offsets go back to the beginning and a worker reads the topic again
    await s.admin.resetOffsets({ groupId: group, topic, earliest: true });
    expect(await committedTotal(s.admin, group, topic)).toBe(0n);
    const replayStarted = Date.now();
    const second = await start();
    await waitForProgress('the replay committing to the end', () => committedTotal(s.admin, group, topic), BigInt(t.messages.length));
    await waitForProgress(
      'every replayed event recognised as stored',
      async () => metricValue(await (await fetch(`${second.url}/metrics`)).text(), 'carrello_events_duplicate_total'),
      t.valid.size,
    );
    const replayMs = Date.now() - replayStarted;
    const text = await (await fetch(`${second.url}/metrics`)).text();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // then nothing new was stored, the raw count is unchanged and the funnel is deep-equal
    const after = await withStore(store, async (w) => ({ figures: await conservation(w, t.valid), answer: await abandonment(w) }));
    report({
      fault: 'replay: group offsets reset to earliest, topic re-read',
      produced: t.messages.length,
      expected_unique: t.valid.size,
      ...after.figures,
      api_equal: JSON.stringify(after.answer) === JSON.stringify(before.answer),
      recover_ms: replayMs,
      stored_on_replay: metricValue(text, 'carrello_events_stored_total'),
    });
    expect(metricValue(text, 'carrello_events_stored_total')).toBe(0);
    expect(before.figures).toEqual({ stored_rows: t.valid.size, lost: 0, duplicated: 0, unexpected: 0 });
    expect(after.figures).toEqual(before.figures);
    expect(after.answer).toEqual(before.answer);
  }, 900_000); // a backstop only: every wait above fails on its own when progress stops
});
