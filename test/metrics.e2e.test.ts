import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidExamples, validExamples } from '../ingest/contract/examples.ts';
import { metricValue } from './support/kafkaTest.ts';
import { startCarrello, type CarrelloProcess } from './support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'carrello-metrics-'));
let server: CarrelloProcess;

beforeAll(async () => {
  server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'm.duckdb')}`]);
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /metrics in embedded mode', () => {
  it('counts received, stored, duplicate and rejected events and the batches that wrote them', async () => {
    // given four valid events (one sent twice) and three broken messages, in two requests
    const valid = validExamples()
      .slice(0, 4)
      .map((e) => e.text.replace(/\n\s*/g, ''));
    const float = invalidExamples()
      .find((e) => e.name === 'float_price')!
      .text.replace(/\n\s*/g, '');
    const ndjson = (lines: string[]) =>
      fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
    expect((await ndjson([valid[0]!, valid[1]!, '{"broken": ', float])).status).toBe(202);
    expect((await ndjson([valid[2]!, valid[3]!, valid[0]!, '"just a string"'])).status).toBe(202);

    // when /metrics is scraped
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    // then every series has the exact value of that workload
    const expected: Record<string, number> = {
      'carrello_events_received_total{source="collector"}': 8,
      carrello_events_stored_total: 4,
      carrello_events_duplicate_total: 1,
      'carrello_events_rejected_total{reason="invalid_json",source="collector"}': 1,
      'carrello_events_rejected_total{reason="schema_violation",source="collector"}': 1,
      'carrello_events_rejected_total{reason="not_an_object",source="collector"}': 1,
      carrello_batch_size_sum: 8,
      carrello_batch_size_count: 2,
      carrello_batch_write_seconds_count: 2,
      carrello_warehouse_errors_total: 0,
    };
    expect(Object.fromEntries(Object.keys(expected).map((k) => [k, metricValue(text, k)]))).toEqual(expected);
    // no Kafka in embedded mode: no dead-letter writes, no lag series
    expect(text).not.toMatch(/^carrello_dlq_writes_total\{/m);
    expect(text).not.toMatch(/^carrello_kafka_consumer_lag\{/m);
    expect(text).toContain('carrello_process_resident_memory_bytes');
  });
});
