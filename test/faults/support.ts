// Helpers shared by the fault suites: simulated traffic with its offline answer, store inspection, and
// the conservation figures every fault reports (one JSON line per fault, copied into docs/reliability.md).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { stablePartitioner } from '../../ingest/kafka/client.ts';
import { abandonmentFunnel } from '../../projections/analyses.ts';
import { processMessage } from '../../ingest/pipeline/process.ts';
import { DEFAULT_SIMULATION, Simulation } from '../../ingest/simulator/simulation.ts';
import { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';
import type { Warehouse } from '../../sql/warehouse.ts';
import { ingestTexts } from '../support/seed.ts';
import { createTopics, testKafka, topicSpec, unique } from '../support/kafkaTest.ts';
import { startIngestWorker, type CarrelloProcess } from '../support/process.ts';

const DAY = 86_400_000;
export const END = Date.parse('2026-10-01T00:00:00.000Z');

export interface Traffic {
  messages: { key: string; value: string }[];
  /** event_ids an offline pass of the pipeline's steps keeps (the simulator resends some ids). */
  valid: Set<string>;
}

/** Simulated cart events keyed by cart_id, and the event_ids an offline pass of the pipeline's steps keeps. */
export function traffic(seed: string, days: number, cartsPerDay = 1_000): Traffic {
  const sim = new Simulation(END - days * DAY, { ...DEFAULT_SIMULATION, seed, cartsPerDay });
  const messages = [...sim.until(END)].map((m) => ({ key: (m.body as { cart_id: string }).cart_id, value: JSON.stringify(m.body) }));
  const valid = new Set<string>();
  for (const m of messages) {
    const p = processMessage({ raw: Buffer.from(m.value), source: 'offline', sourceRef: null, receivedAtMs: 0 });
    if (p.kind === 'event') valid.add(p.row.event_id);
  }
  return { messages, valid };
}

export async function withStore<T>(path: string, fn: (w: DuckDbWarehouse) => Promise<T>): Promise<T> {
  const warehouse = await DuckDbWarehouse.open(path);
  try {
    return await fn(warehouse);
  } finally {
    await warehouse.close();
  }
}

export async function storedIds(w: DuckDbWarehouse): Promise<string[]> {
  return (await w.all('SELECT event_id::VARCHAR AS id FROM events')).map((r) => r.id as string);
}

/** The abandonment funnel over the whole simulated range, as the API computes it. */
export async function abandonment(w: Warehouse): Promise<unknown> {
  const window = { from: END - 60 * DAY, to: END + DAY, as_of: END + 2 * DAY, abandon_ms: DAY };
  return (await abandonmentFunnel(w, window, 'channel')).json;
}

/** The funnel of a clean reference store loaded with the same valid events, once, through the real pipeline. */
export async function referenceAbandonment(path: string, t: Traffic): Promise<unknown> {
  const texts: string[] = [];
  const seen = new Set<string>();
  for (const m of t.messages) {
    const id = (JSON.parse(m.value) as { event_id: string }).event_id;
    if (!t.valid.has(id) || seen.has(id)) continue;
    seen.add(id);
    texts.push(m.value);
  }
  return withStore(path, async (w) => {
    await w.migrate();
    for (let i = 0; i < texts.length; i += 5_000) await ingestTexts(w, texts.slice(i, i + 5_000));
    return abandonment(w);
  });
}

export interface Figures {
  fault: string;
  produced: number;
  expected_unique: number;
  stored_rows: number;
  lost: number;
  duplicated: number;
  api_equal: boolean;
  recover_ms: number;
  [extra: string]: unknown;
}

/** lost / duplicated of a store against the expected ids. */
export async function conservation(
  w: DuckDbWarehouse,
  valid: Set<string>,
): Promise<{ stored_rows: number; lost: number; duplicated: number; unexpected: number }> {
  const ids = await storedIds(w);
  const distinct = new Set(ids);
  let lost = 0;
  for (const id of valid) if (!distinct.has(id)) lost += 1;
  let unexpected = 0;
  for (const id of distinct) if (!valid.has(id)) unexpected += 1;
  return { stored_rows: ids.length, lost, duplicated: ids.length - distinct.size, unexpected };
}

/** One JSON line per fault, prefixed so that it is easy to grep from the test output. */
export function report(f: Figures): void {
  console.log(`FAULT_FIGURES ${JSON.stringify(f)}`);
}

/** Resident set size of a process in MiB (Linux /proc), or null once it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface LiveOptions {
  /** Messages a send (default 500). */
  chunk?: number;
  /** Pause between sends (default 40 ms): pacing only; no outcome depends on it. */
  gapMs?: number;
  /**
   * Keeps the last `last` messages until `until` resolves: the stream is still going when the fault happens,
   * however slow or fast the machine is (a producer that finished first made the fault hit a drained topic).
   */
  holdBack?: { last: number; until: Promise<unknown> };
}

/** Produces in paced chunks in the background, as live traffic would; resolves once all are acknowledged. */
export function produceLive(
  kafka: Kafka,
  topic: string,
  messages: readonly { key: string; value: string }[],
  { chunk = 500, gapMs = 40, holdBack }: LiveOptions = {},
): { done: Promise<void>; sent: () => number } {
  let sent = 0;
  const done = (async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: stablePartitioner });
    await producer.connect();
    try {
      const heldFrom = holdBack ? Math.max(0, messages.length - holdBack.last) : messages.length;
      for (let i = 0; i < messages.length; ) {
        if (i >= heldFrom && holdBack) await holdBack.until;
        const part = messages.slice(i, i < heldFrom ? Math.min(i + chunk, heldFrom) : i + chunk);
        i += part.length;
        await producer.send({ topic, acks: -1, messages: part.map((m) => ({ ...m })) });
        sent += part.length;
        await new Promise((r) => setTimeout(r, gapMs));
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return { done, sent: () => sent };
}

/** A promise and the function that resolves it: a fault's moment, for what waits on it. */
export function moment(): { promise: Promise<void>; happened: () => void } {
  let happened!: () => void;
  const promise = new Promise<void>((resolve) => (happened = resolve));
  return { promise, happened };
}

/** Sum of a group's committed offsets on a topic (each -1 counts as 0). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<bigint> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((a, p) => a + (BigInt(p.offset) < 0n ? 0n : BigInt(p.offset)), 0n);
}

export interface FaultSuite {
  /** The suite's own temporary folder (stores live here). */
  readonly dir: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** A fresh 12-partition topic and consumer group, and the environment a worker needs to consume it. */
  newTopic(name: string): Promise<{ topic: string; group: string; env: Record<string, string> }>;
  /** Starts `carrello ingest` on a DuckDB file; a worker still running when the suite ends is SIGKILLed. */
  startWorker(store: string, env: Record<string, string>): Promise<CarrelloProcess>;
}

/** Registers the suite's set-up and tear-down (call it inside the describe): admin client, folder, workers. */
export function faultSuite(name: string, brokers: string): FaultSuite {
  const dir = mkdtempSync(join(tmpdir(), `carrello-fault-${name}-`));
  const running: CarrelloProcess[] = [];
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  beforeAll(async () => {
    kafka = testKafka(brokers);
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const w of running) w.child.kill('SIGKILL');
    await admin?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get kafka() {
      return kafka!;
    },
    get admin() {
      return admin!;
    },
    async newTopic(topicName) {
      const topic = unique(topicName);
      const group = unique('g');
      await createTopics(admin!, topicSpec(topic));
      return { topic, group, env: { KAFKA_BROKERS: brokers, CARRELLO_KAFKA_TOPIC: topic, CARRELLO_KAFKA_GROUP_ID: group } };
    },
    async startWorker(store, env) {
      const worker = await startIngestWorker(['--store', `duckdb:${store}`], env);
      running.push(worker);
      return worker;
    },
  };
}
