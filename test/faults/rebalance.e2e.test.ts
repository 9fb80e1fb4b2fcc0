import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { metricValue, waitFor, waitForProgress } from '../support/kafkaTest.ts';
import { ingestTexts } from '../support/seed.ts';
import type { CarrelloProcess } from '../support/process.ts';
import { abandonment, committedTotal, conservation, faultSuite, moment, produceLive, referenceAbandonment, report, traffic, withStore } from './support.ts';

const brokers = inject('kafkaBrokers');

describe.skipIf(brokers === null)('fault: rebalance — a second worker joins, then one is SIGKILLed, while producing', () => {
  const s = faultSuite('rebalance', brokers!);

  it('the survivor takes the partitions over: nothing lost, no store doubles a row, the merged answer equals a clean store', async () => {
    // given two workers of one group. A DuckDB file belongs to one process, so each worker has its own
    // file; a fleet sharing one store is the ClickHouse deployment. The merged view below is what that
    // shared store would hold (it keeps an event_id once, as DuckDB does).
    const t = traffic('fault-rebalance', 3.5);
    const { topic, group, env: base } = await s.newTopic('rebalance');
    const env = {
      ...base,
      CARRELLO_KAFKA_SESSION_TIMEOUT_MS: '6000',
      CARRELLO_BATCH_MAX_EVENTS: '300',
      CARRELLO_BATCH_MAX_WAIT_MS: '5',
    };
    const stores = [join(s.dir, 'a.duckdb'), join(s.dir, 'b.duckdb')];
    const start = (store: string) => s.startWorker(store, env);
    const stored = async (w: CarrelloProcess) => metricValue(await (await fetch(`${w.url}/metrics`)).text(), 'carrello_events_stored_total');
    // Paced, and the last 3,000 held until the kill: the join and the kill both land mid-stream on any machine.
    const kill = moment();
    const producing = produceLive(s.kafka, topic, t.messages, { chunk: 250, gapMs: 100, holdBack: { last: 3_000, until: kill.promise } });

    // when a second worker joins mid-stream, and then the first is SIGKILLed
    const a = await start(stores[0]!);
    await waitForProgress('worker a storing its first 2,000 events', () => stored(a), 2_000);
    const b = await start(stores[1]!);
    // The rebalance is done when each holds some of the 12 partitions (b may have stored nothing yet: the
    // producer holds its last messages until the kill, and a may have caught up with the rest).
    const partitions = async (w: CarrelloProcess) => ((await (await fetch(`${w.url}/healthz`)).json()) as { partitions: number[] }).partitions.length;
    await waitFor('the partitions shared by a and b', async () => (await partitions(b)) > 0 && (await partitions(a)) < 12, 180_000);
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    const sentAtKill = producing.sent();
    kill.happened();
    expect(sentAtKill).toBeLessThan(t.messages.length);
    expect(await a.exited).toBe('SIGKILL');
    await producing.done;
    await waitForProgress('the group committing to the end', () => committedTotal(s.admin, group, topic), BigInt(t.messages.length));
    const recoverMs = Date.now() - killedAt;
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    // then no store doubles a row, and together they hold every valid event
    const perStore = [];
    const payloads: string[] = [];
    for (const path of stores) {
      perStore.push(
        await withStore(path, async (w) => {
          const c = await conservation(w, t.valid);
          for (const r of await w.all('SELECT payload::VARCHAR AS p FROM events')) payloads.push(r.p as string);
          return c;
        }),
      );
    }
    const union = new Set(payloads.map((p) => (JSON.parse(p) as { event_id: string }).event_id));
    const lost = [...t.valid].filter((id) => !union.has(id)).length;
    const redelivered = payloads.length - union.size;
    const merged = await withStore(join(s.dir, 'merged.duckdb'), async (w) => {
      await w.migrate();
      for (let i = 0; i < payloads.length; i += 5_000) await ingestTexts(w, payloads.slice(i, i + 5_000));
      return { figures: await conservation(w, t.valid), answer: await abandonment(w) };
    });
    const reference = await referenceAbandonment(join(s.dir, 'reference.duckdb'), t);
    report({
      fault: 'rebalance: second worker joins, first SIGKILLed, producing continues',
      produced: t.messages.length,
      expected_unique: t.valid.size,
      stored_rows: merged.figures.stored_rows,
      lost,
      duplicated: perStore.reduce((n, s) => n + s.duplicated, 0) + merged.figures.duplicated,
      api_equal: JSON.stringify(merged.answer) === JSON.stringify(reference),
      recover_ms: recoverMs,
      redelivered_across_workers: redelivered,
      produced_at_kill: sentAtKill,
    });
    for (const s of perStore) expect(s.duplicated).toBe(0);
    expect(lost).toBe(0);
    expect(merged.figures).toEqual({ stored_rows: t.valid.size, lost: 0, duplicated: 0, unexpected: 0 });
    expect(merged.answer).toEqual(reference);
  }, 900_000); // a backstop only: every wait above fails on its own when progress stops
});
