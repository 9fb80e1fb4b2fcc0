// Where an ingest worker's time goes, for `bench/ingestClickHouse.ts --profile`: a CPU profile of this
// process (node:inspector, in-process) summarised by self time per function and per module, and a
// wall-clock account by stage from timestamps around the pipeline's ingest calls, the warehouse's batch
// writes and their look-up and insert. Bench-only: it wraps the objects it is given, nothing in ingest/.
import { Session } from 'node:inspector/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { Warehouse } from '../sql/warehouse.ts';

interface Span {
  start: number;
  end: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface StageSummary {
  wall_ms: number;
  /** Some pipeline.ingest() call (one Kafka batch: decode, validate, wait for the write) in flight. */
  ingest_in_flight_ms: number;
  /** A warehouse.writeBatch() running; split into the event_id look-up and the inserts. */
  write_ms: number;
  lookup_ms: number;
  insert_ms: number;
  /** No ingest call in flight: the worker waits for a fetch, or kafkajs is decoding or committing. */
  no_ingest_ms: number;
  ingest_calls: number;
  mean_messages_per_call: number;
  writes: number;
  mean_events_per_write: number;
}

export interface ProfileSummary {
  total_ms: number;
  byModule: { module: string; ms: number; share: number }[];
  byFunction: { fn: string; ms: number; share: number }[];
}

/** The length of the union of spans (overlapping ones counted once). */
function unionMs(spans: Span[]): number {
  const s = [...spans].sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -1;
  let curEnd = -1;
  for (const x of s) {
    if (x.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = x.start;
      curEnd = x.end;
    } else curEnd = Math.max(curEnd, x.end);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

function wrap<T extends object, K extends keyof T>(obj: T, key: K, spans: Span[], onCall?: (args: unknown[]) => void): void {
  const original = obj[key] as unknown as (...args: unknown[]) => Promise<unknown>;
  (obj as Record<K, unknown>)[key] = async function (this: unknown, ...args: unknown[]) {
    const span = { start: performance.now(), end: 0 };
    onCall?.(args);
    try {
      return await original.apply(obj, args);
    } finally {
      span.end = performance.now();
      spans.push(span);
    }
  };
}

/** Stage timestamps: wraps the pipeline's ingest, the warehouse's writeBatch and, on ClickHouse, its client's queries (the look-up). */
export class StageClock {
  private readonly started = performance.now();
  private readonly ingest: Span[] = [];
  private readonly write: Span[] = [];
  private readonly lookup: Span[] = [];
  private messages = 0;
  private events = 0;

  constructor(pipeline: IngestPipeline, warehouse: Warehouse, client?: ClickHouseClient) {
    wrap(pipeline, 'ingest', this.ingest, (a) => (this.messages += (a[0] as unknown[]).length));
    wrap(warehouse, 'writeBatch', this.write, (a) => (this.events += (a[0] as unknown[]).length));
    if (client) wrap(client, 'query', this.lookup);
  }

  summary(): StageSummary {
    const wall = performance.now() - this.started;
    const inFlight = unionMs(this.ingest);
    return {
      wall_ms: Math.round(wall),
      ingest_in_flight_ms: Math.round(inFlight),
      write_ms: Math.round(unionMs(this.write)),
      lookup_ms: Math.round(unionMs(this.lookup)),
      // Writes are serial (one at a time, look-up then inserts): the rest of a write is its inserts.
      insert_ms: Math.round(unionMs(this.write) - unionMs(this.lookup)),
      no_ingest_ms: Math.round(wall - inFlight),
      ingest_calls: this.ingest.length,
      mean_messages_per_call: Math.round(this.messages / Math.max(1, this.ingest.length)),
      writes: this.write.length,
      mean_events_per_write: Math.round(this.events / Math.max(1, this.write.length)),
    };
  }
}

/** Which part of the process a profiled function belongs to, by its script's path. */
function moduleOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = url.match(/\/(ingest|sql|bench|api|projections|scripts|test)\/(.*)$/);
  if (own) return `${own[1]}/${own[2]!.replace(/\?.*$/, '')}`;
  return url;
}

/** A CPU profile of this process, from start() to stop(), summarised by self time. */
export class CpuProfile {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
    await this.session.post('Profiler.start');
  }

  async stop(top = 25): Promise<ProfileSummary> {
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    this.session.disconnect();
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => {
      selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    const byModule = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let total = 0;
    for (const n of profile.nodes) {
      const us = selfUs.get(n.id) ?? 0;
      if (us === 0) continue;
      total += us;
      const { functionName, url, lineNumber } = n.callFrame;
      const mod = moduleOf(url, functionName);
      byModule.set(mod, (byModule.get(mod) ?? 0) + us);
      const key = `${functionName || '(anonymous)'} ${mod}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    }
    const rank = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, us]) => ({ k, ms: Math.round(us / 1000), share: Math.round((us / total) * 1000) / 10 }));
    return {
      total_ms: Math.round(total / 1000),
      byModule: rank(byModule).map(({ k, ms, share }) => ({ module: k, ms, share })),
      byFunction: rank(byFunction).map(({ k, ms, share }) => ({ fn: k, ms, share })),
    };
  }
}

export function printProfile(p: ProfileSummary, stages: StageSummary, log: (s: string) => void): void {
  log(`stages (wall clock): ${JSON.stringify(stages)}`);
  log(`cpu profile: ${p.total_ms} ms sampled; self time by module:`);
  for (const m of p.byModule) log(`  ${String(m.ms).padStart(7)} ms ${String(m.share).padStart(5)} %  ${m.module}`);
  log('self time by function:');
  for (const f of p.byFunction) log(`  ${String(f.ms).padStart(7)} ms ${String(f.share).padStart(5)} %  ${f.fn}`);
}
