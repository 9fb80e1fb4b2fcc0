import type { Announcement } from '../projections/lifecycle.ts';

/**
 * An announcement as it leaves carrello (the log's payload, the feed, webhook bodies to come): the
 * internal form's instants (`*_ms`, epoch milliseconds) as ISO-8601 UTC with milliseconds under the same
 * names without the suffix, as every other answer gives times; durations stay milliseconds (`ms_since_…`).
 */
export type WireAnnouncement = Record<string, unknown> & { id: string; kind: string; cart_id: string; episode: number; at: string };

const iso = (ms: number) => new Date(ms).toISOString();

export function wireOf(a: Announcement): WireAnnouncement {
  return convert(a) as WireAnnouncement;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith('_ms') && !key.startsWith('ms_')) out[key.slice(0, -3)] = typeof v === 'number' ? iso(v) : v;
    else out[key] = convert(v);
  }
  return out;
}
