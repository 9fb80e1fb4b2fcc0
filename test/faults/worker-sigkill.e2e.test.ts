import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { metricValue, waitForProgress } from '../support/kafkaTest.ts';
import { abandonment, committedTotal, conservation, faultSuite, moment, produceLive, referenceAbandonment, report, traffic, withStore } from './support.ts';

const brokers = inject('kafkaBrokers');

describe.skipIf(brokers === null)('fault: worker SIGKILLed at a random moment while producing goes on', () => {
  const s = faultSuite('sigkill', brokers!);

  it('a restarted worker loses nothing and doubles nothing, and the API answers as a clean store does', async () => {
    // given ~20,000 events being produced live onto 12 partitions
    const t = traffic('fault-sigkill', 3.5);
    const { topic, group, env: base } = await s.newTopic('sigkill');
    const store = join(s.dir, 'store.duckdb');
    const env = {
      ...base,
      // The killed member holds its partitions until the session times out; the broker's minimum keeps it short.
      CARRELLO_KAFKA_SESSION_TIMEOUT_MS: '6000',
      CARRELLO_BATCH_MAX_EVENTS: '300',
      CARRELLO_BATCH_MAX_WAIT_MS: '5',
    };
    const start = () => s.startWorker(store, env);
    // The last 5,000 are held until the kill, so that it lands mid-stream however fast the machine is.
    const kill = moment();
    const producing = produceLive(s.kafka, topic, t.messages, { holdBack: { last: 5_000, until: kill.promise } });

    // when the worker is SIGKILLed at a random point of the stream
    const first = await start();
    const killAt = 1_000 + Math.floor(Math.random() * 8_000);
    await waitForProgress(
      `the worker storing its first ${killAt} events`,
      async () => metricValue(await (await fetch(`${first.url}/metrics`)).text(), 'carrello_events_stored_total'),
      killAt,
    );
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    kill.happened();
    expect(await first.exited).toBe('SIGKILL');

    // and restarted while the producer goes on
    const second = await start();
    await producing.done;
    await waitForProgress('the group committing to the end', () => committedTotal(s.admin, group, topic), BigInt(t.messages.length));
    const recoverMs = Date.now() - killedAt;
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // then every valid event is stored exactly once, and the funnel equals a clean store's
    const { figures, answer } = await withStore(store, async (w) => ({ figures: await conservation(w, t.valid), answer: await abandonment(w) }));
    const reference = await referenceAbandonment(join(s.dir, 'reference.duckdb'), t);
    report({
      fault: 'worker SIGKILL at a random moment, producing continues',
      produced: t.messages.length,
      expected_unique: t.valid.size,
      ...figures,
      api_equal: JSON.stringify(answer) === JSON.stringify(reference),
      recover_ms: recoverMs,
      killed_after_stored: killAt,
    });
    expect(figures).toEqual({ stored_rows: t.valid.size, lost: 0, duplicated: 0, unexpected: 0 });
    expect(answer).toEqual(reference);
  }, 900_000); // a backstop only: every wait above fails on its own when progress stops
});
