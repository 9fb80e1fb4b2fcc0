import { pipeline } from 'node:stream/promises';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { Gate } from '../http/gate.ts';
import { DAY_MS, isoMs, resolveTime, timeZone, when } from '../http/params.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

const EXTENSIONS = { ndjson: 'ndjson', arrow: 'arrows', parquet: 'parquet' } as const;

export function exportRoutes({ warehouse, limits, metrics, timezone = 'UTC' }: RouteDeps) {
  const slots = new Gate(limits.export.maxConcurrent, 'too_many_exports', 'exports', {
    max: limits.export.maxPerKey,
    code: 'too_many_exports_for_key',
    setting: 'export_max_per_key',
  });
  if (metrics) {
    new Gauge({
      name: 'carrello_export_slots_in_use',
      help: 'Exports holding a slot now (streaming, or being prepared by the engine); back to 0 when none runs.',
      registers: [metrics],
      collect() {
        this.set(slots.inUse);
      },
    });
  }
  const { deadlineMs } = limits.export;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/export/events',
      operationId: 'exportEvents',
      response: null,
      summary: 'The raw events of a time range, streamed: NDJSON, Arrow IPC stream or Parquet',
      description:
        `Events with occurred_at in [from, to), ordered by occurred_at then event_id, from one consistent snapshot. ` +
        `Default range: the 24 hours before now. ndjson: one stored payload (the event as the producer sent it) per line; ` +
        `arrow and parquet: typed columns (money Int64, times UTC). A range holding more than ${limits.export.maxRows} ` +
        `events is refused with 422 export_too_large before anything is streamed. At most ${limits.export.maxConcurrent} ` +
        `exports run at once, ${limits.export.maxPerKey} per API key (429 too_many_exports, too_many_exports_for_key); ` +
        `an export still running after ${deadlineMs} ms is cut. See docs/sql.md.`,
      tags: ['export'],
      roles: ['data', 'admin'],
      contentTypes: ['application/x-ndjson', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.parquet'],
      query: z.object({
        from: when
          .optional()
          .describe('start of the range, inclusive, by occurred_at (default: to − 24 h): an instant, a date (local midnight in tz), today, yesterday or -Nd'),
        to: when.optional().describe('end of the range, exclusive (default: now): an instant, a date (local midnight in tz), today, yesterday or -Nd'),
        tz: timeZone.optional(),
        format: z.enum(['ndjson', 'arrow', 'parquet']).default('ndjson').describe('ndjson (default), arrow (IPC stream) or parquet'),
      }),
      async handler({ query }, req, res): Promise<undefined> {
        const now = Date.now();
        const tz = query.tz ?? timezone;
        const to = query.to === undefined ? now : resolveTime(query.to, tz, now);
        const from = query.from === undefined ? to - DAY_MS : resolveTime(query.from, tz, now);
        if (from >= to)
          throw new CarrelloError('invalid_range', `from (${isoMs(from)}) must be before to (${isoMs(to)})`, { from: isoMs(from), to: isoMs(to) });
        const leave = slots.enter(req.apiKey?.id ?? req.ip ?? '');
        // One signal stops the engine and the transfer, whoever ends the export: the client going away
        // (at any moment, even before this handler ran) or the deadline.
        const stop = new AbortController();
        const gone = () => stop.abort(CLIENT_GONE);
        res.once('close', gone);
        if (res.destroyed || req.socket.destroyed) gone();
        const deadline = setTimeout(() => stop.abort(deadlineExceeded(deadlineMs)), deadlineMs);
        try {
          stop.signal.throwIfAborted();
          const exported = await warehouse.exportEvents({ fromMs: from, toMs: to }, query.format, { maxRows: limits.export.maxRows, signal: stop.signal });
          if (stop.signal.aborted) {
            exported.stream.destroy();
            throw stop.signal.reason;
          }
          res.status(200);
          res.type(exported.contentType);
          res.setHeader('Carrello-Row-Count', String(exported.rows));
          if (exported.bytes !== undefined) res.setHeader('Content-Length', String(exported.bytes));
          res.setHeader('Content-Disposition', `attachment; filename="carrello-events_${fileTime(from)}_${fileTime(to)}.${EXTENSIONS[query.format]}"`);
          // pipeline destroys the engine's stream whenever the transfer ends early (client gone, deadline):
          // that interrupts the engine's query and releases its connection and any file behind it.
          await pipeline(exported.stream, res, { signal: stop.signal });
        } catch (err) {
          // The client leaving is not a failure; the deadline is said as a problem, or (the answer
          // started) by cutting the transfer, see problemHandler.
          if (stop.signal.reason === CLIENT_GONE) return;
          throw stop.signal.aborted ? stop.signal.reason : err;
        } finally {
          clearTimeout(deadline);
          res.off('close', gone);
          leave();
        }
      },
    }),
  ];
}

const CLIENT_GONE = Symbol('client gone');

function deadlineExceeded(ms: number): CarrelloError {
  return new CarrelloError(
    'export_deadline_exceeded',
    `the export did not finish within ${ms} ms (export_deadline_ms); narrow from/to and export in parts, and read as it streams`,
    {
      limit: ms,
      limit_name: 'export_deadline_ms',
    },
  );
}

function fileTime(ms: number): string {
  return isoMs(ms).replace(/[:.]/g, '-');
}
