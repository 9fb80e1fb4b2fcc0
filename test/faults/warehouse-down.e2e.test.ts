import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { metricValue, topicSpec, waitFor, waitForProgress } from '../support/kafkaTest.ts';
import {
  abandonment,
  committedTotal,
  conservation,
  faultSuite,
  moment,
  produceLive,
  referenceAbandonment,
  report,
  rssMiB,
  traffic,
  withStore,
} from './support.ts';

const brokers = inject('kafkaBrokers');
// The outage the issue specifies: a minute without a warehouse.
const OUTAGE_MS = 60_000;

describe.skipIf(brokers === null)('fault: warehouse unavailable for a while (injected at the adapter boundary)', () => {
  const s = faultSuite('whdown', brokers!);

  it('the worker backs off holding its batches (fetching nothing more), dead-letters nothing, keeps its memory flat and drains the backlog after', async () => {
    // given a worker whose warehouse writes fail for OUTAGE_MS from its first write, while events keep coming
    const t = traffic('fault-warehouse-down', 3.5);
    const { topic, group, env: base } = await s.newTopic('whdown');
    const spec = topicSpec(topic);
    const store = join(s.dir, 'store.duckdb');
    const worker = await s.startWorker(store, {
      ...base,
      CARRELLO_FAILPOINT: `warehouse_down_ms:${OUTAGE_MS}`,
      CARRELLO_WAREHOUSE_RETRY_MIN_MS: '200',
      CARRELLO_WAREHOUSE_RETRY_MAX_MS: '3000',
      // No heap cap: the worker holds a failed batch and retries it instead of fetching and decoding it
      // again, so nothing more is fetched during the outage and RSS stays flat with V8's default limit.
    });
    const pid = worker.child.pid!;
    const metrics = async () => (await fetch(`${worker.url}/metrics`)).text();

    // when the outage starts and producing goes on through it
    // The last 3,000 are held until the outage is over: producing goes on through all of it on any machine.
    const back = moment();
    const producing = produceLive(s.kafka, topic, t.messages, { gapMs: 150, holdBack: { last: 3_000, until: back.promise } });
    await waitFor('the outage began', () => worker.output().includes('failpoint: warehouse down'), 60_000);
    const outageStart = Date.now();
    const samples: { atMs: number; mib: number }[] = [];
    const sampler = setInterval(() => {
      const mib = rssMiB(pid);
      if (mib !== null) samples.push({ atMs: Date.now() - outageStart, mib });
    }, 250);
    // Read while the outage lasts, once the worker has retried a few times (not at a moment on the clock).
    await waitFor('three failed writes', async () => metricValue(await metrics(), 'carrello_warehouse_errors_total') >= 3, OUTAGE_MS);
    const during = await metrics();
    await waitFor('the warehouse is back', () => worker.output().includes('failpoint: warehouse back'), OUTAGE_MS + 60_000);
    const outageEnd = Date.now();
    back.happened();
    clearInterval(sampler);

    // then during the outage nothing was stored, writes failed and were retried, nothing went to the DLQ
    expect(metricValue(during, 'carrello_events_stored_total')).toBe(0);
    expect(metricValue(during, 'carrello_warehouse_errors_total')).toBeGreaterThan(0);
    expect(worker.output()).toContain('batch not written; partition held');

    // and its memory reached a plateau: the peak of the last two thirds of the outage is within 64 MiB of the
    // peak of its first third (peaks rather than single samples, so that a GC cycle does not decide)
    const peak = (xs: { mib: number }[]) => Math.max(...xs.map((s) => s.mib));
    const firstThird = samples.filter((s) => s.atMs < OUTAGE_MS / 3);
    const rest = samples.filter((s) => s.atMs >= OUTAGE_MS / 3);
    expect(firstThird.length).toBeGreaterThan(5);
    expect(rest.length).toBeGreaterThan(10);
    const third = { mib: peak(firstThird) };
    const max = peak(samples);
    expect(peak(rest) - third.mib).toBeLessThan(64);

    // when the producer finishes, the backlog drains
    await producing.done;
    await waitForProgress('the group committing to the end', () => committedTotal(s.admin, group, topic), BigInt(t.messages.length));
    const recoverMs = Date.now() - outageEnd;
    const after = await metrics();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    // then every valid event is stored once, nothing is on the dead-letter topic, the funnel equals a clean store's
    const dlq = (await s.admin.fetchTopicOffsets(spec.deadLetterTopic)).reduce((a, p) => a + Number(p.high), 0);
    const { figures, answer } = await withStore(store, async (w) => ({ figures: await conservation(w, t.valid), answer: await abandonment(w) }));
    const reference = await referenceAbandonment(join(s.dir, 'reference.duckdb'), t);
    report({
      fault: `warehouse down ${OUTAGE_MS / 1000} s (injected), producing continues`,
      produced: t.messages.length,
      expected_unique: t.valid.size,
      ...figures,
      api_equal: JSON.stringify(answer) === JSON.stringify(reference),
      recover_ms: recoverMs,
      dlq_messages: dlq,
      warehouse_errors: metricValue(after, 'carrello_warehouse_errors_total'),
      rss_mib_at_third: Math.round(third.mib),
      rss_mib_max: Math.round(max),
    });
    expect(dlq).toBe(0);
    expect(figures).toEqual({ stored_rows: t.valid.size, lost: 0, duplicated: 0, unexpected: 0 });
    expect(answer).toEqual(reference);
  }, 900_000); // a backstop only: every wait above fails on its own when progress stops
});
