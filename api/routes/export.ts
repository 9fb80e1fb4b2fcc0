import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { Gate } from '../http/gate.ts';
import { DAY_MS, instant, isoMs } from '../http/params.ts';
import { defineRoute } from '../http/route.ts';
import { ApiError } from '../problem.ts';
import type { RouteDeps } from './index.ts';

const EXTENSIONS = { ndjson: 'ndjson', arrow: 'arrows', parquet: 'parquet' } as const;

export function exportRoutes({ warehouse, limits }: RouteDeps) {
  const gate = new Gate(limits.export.maxConcurrent, 'too_many_exports', 'exports');
  return [
    defineRoute({
      method: 'get',
      path: '/v1/export/events',
      summary: 'The raw events of a time range, streamed: NDJSON, Arrow IPC stream or Parquet',
      description:
        `Events with occurred_at in [from, to), ordered by occurred_at then event_id, from one consistent snapshot. ` +
        `Default range: the 24 hours before now. ndjson: one stored payload (the event as the producer sent it) per line; ` +
        `arrow and parquet: typed columns (money Int64, times UTC). A range holding more than ${limits.export.maxRows} ` +
        `events is refused with 422 export_too_large before anything is streamed. See docs/sql.md.`,
      tags: ['export'],
      roles: ['data', 'admin'],
      contentTypes: ['application/x-ndjson', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.parquet'],
      query: z.object({
        from: instant.optional().describe('start of the range, inclusive, by occurred_at (default: to − 24 h)'),
        to: instant.optional().describe('end of the range, exclusive (default: now)'),
        format: z.enum(['ndjson', 'arrow', 'parquet']).default('ndjson').describe('ndjson (default), arrow (IPC stream) or parquet'),
      }),
      async handler({ query }, req, res) {
        const to = query.to ?? Date.now();
        const from = query.from ?? to - DAY_MS;
        if (from >= to) throw new ApiError(400, 'invalid_range', `from (${isoMs(from)}) must be before to (${isoMs(to)})`, { from: isoMs(from), to: isoMs(to) });
        const leave = gate.enter();
        const gone = new AbortController();
        res.once('close', () => {
          gone.abort();
          leave();
        });
        try {
          const exported = await warehouse.exportEvents({ fromMs: from, toMs: to }, query.format, { maxRows: limits.export.maxRows, signal: gone.signal });
          res.status(200);
          res.type(exported.contentType);
          res.setHeader('Carrello-Row-Count', String(exported.rows));
          if (exported.bytes !== undefined) res.setHeader('Content-Length', String(exported.bytes));
          res.setHeader('Content-Disposition', `attachment; filename="carrello-events_${fileTime(from)}_${fileTime(to)}.${EXTENSIONS[query.format]}"`);
          await pipeline(exported.stream, res).catch((err: unknown) => {
            // The client leaving is not a failure; anything else cuts the transfer (see problemHandler).
            if (!gone.signal.aborted) throw err;
          });
        } catch (err) {
          leave();
          if (gone.signal.aborted) return;
          throw err;
        }
      },
    }),
  ];
}

function fileTime(ms: number): string {
  return isoMs(ms).replace(/[:.]/g, '-');
}
