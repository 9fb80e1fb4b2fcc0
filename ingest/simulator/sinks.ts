import { createWriteStream, type WriteStream } from 'node:fs';
import type { EventIngress } from '../ingress.ts';
import type { BufferedPublisher, OutRecord } from '../kafka/publisher.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import type { SimMessage } from './simulation.ts';

/** Where simulated traffic goes: the in-process pipeline, a collector over HTTP, Kafka, or an NDJSON file. */
export interface SimSink {
  send(batch: readonly SimMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** Into this process's ingress: the pipeline (embedded) or the Kafka producer (`carrello start` in Kafka mode). */
export function ingressSink(ingress: EventIngress): SimSink {
  return {
    async send(batch) {
      const now = Date.now();
      const messages: InboundMessage[] = batch.map((m, i) => {
        const text = JSON.stringify(m.body);
        return { raw: Buffer.from(text), parsed: { json: m.body, text }, source: 'simulator', sourceRef: `sim#${i}`, receivedAtMs: now };
      });
      await retryWhileBusy(() => ingress.ingest(messages));
    },
    async close() {},
  };
}

/**
 * Straight onto the event topic, keyed by cart_id, as a commerce service's producer would, broken copies
 * included (--invalid-rate): the workers dead-letter those. Waits for Kafka's acknowledgement (acks=all).
 */
export function kafkaSink(publisher: BufferedPublisher, topic: string): SimSink {
  return {
    async send(batch) {
      const records: OutRecord[] = batch.map((m) => {
        const cart = (m.body as { cart_id?: unknown }).cart_id;
        return { topic, key: typeof cart === 'string' ? cart : null, value: Buffer.from(JSON.stringify(m.body)) };
      });
      const slice = Math.max(1, Math.floor(publisher.opts.maxBufferedMessages / 2));
      for (let i = 0; i < records.length; i += slice) {
        await retryWhileBusy(() => publisher.publish(records.slice(i, i + slice)));
      }
    },
    close: () => publisher.close(),
  };
}

/** Back-pressure is a reason to wait, not to fail: retry while the ingress answers overloaded. */
async function retryWhileBusy<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if ((code !== 'overloaded' && code !== 'producer_backpressure') || attempt >= 600) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Posts NDJSON to a collector, 1,000 events a request, retrying while it answers 503. */
export function collectorSink(baseUrl: string, headers: Record<string, string> = {}): SimSink {
  const url = new URL('/v1/events', baseUrl).toString();
  return {
    async send(batch) {
      for (let i = 0; i < batch.length; i += 1_000) {
        const body = `${batch
          .slice(i, i + 1_000)
          .map((m) => JSON.stringify(m.body))
          .join('\n')}\n`;
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers }, body });
          if (res.status === 202) break;
          const text = await res.text();
          if (res.status !== 503 || attempt >= 30) throw new Error(`collector answered ${res.status}: ${text}`);
          await new Promise((r) => setTimeout(r, 1_000 * Number(res.headers.get('retry-after') ?? 1)));
        }
      }
    },
    async close() {},
  };
}

export function ndjsonSink(path: string | '-'): SimSink {
  const out: WriteStream | NodeJS.WriteStream = path === '-' ? process.stdout : createWriteStream(path);
  return {
    async send(batch) {
      const text = `${batch.map((m) => JSON.stringify(m.body)).join('\n')}\n`;
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
    },
    close() {
      if (out === process.stdout) return Promise.resolve();
      return new Promise<void>((resolve, reject) => (out as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    },
  };
}
