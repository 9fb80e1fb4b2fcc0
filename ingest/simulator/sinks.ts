import { createWriteStream, type WriteStream } from 'node:fs';
import type { InboundMessage } from '../pipeline/message.ts';
import type { IngestPipeline } from '../pipeline/pipeline.ts';
import type { SimMessage } from './simulation.ts';

/** Where simulated traffic goes: the in-process pipeline, a collector over HTTP, or an NDJSON file. */
export interface SimSink {
  send(batch: readonly SimMessage[]): Promise<void>;
  close(): Promise<void>;
}

export function pipelineSink(pipeline: IngestPipeline): SimSink {
  return {
    async send(batch) {
      const now = Date.now();
      const messages: InboundMessage[] = batch.map((m, i) => {
        const text = JSON.stringify(m.body);
        return { raw: Buffer.from(text), parsed: { json: m.body, text }, source: 'simulator', sourceRef: `sim#${i}`, receivedAtMs: now };
      });
      await pipeline.ingest(messages);
    },
    async close() {},
  };
}

/** Posts NDJSON to a collector, 1,000 events a request, retrying while it answers 503. */
export function collectorSink(baseUrl: string, headers: Record<string, string> = {}): SimSink {
  const url = new URL('/v1/events', baseUrl).toString();
  return {
    async send(batch) {
      for (let i = 0; i < batch.length; i += 1_000) {
        const body = batch.slice(i, i + 1_000).map((m) => JSON.stringify(m.body)).join('\n') + '\n';
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
      const text = batch.map((m) => JSON.stringify(m.body)).join('\n') + '\n';
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
    },
    close() {
      if (out === process.stdout) return Promise.resolve();
      return new Promise<void>((resolve, reject) => (out as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    },
  };
}
