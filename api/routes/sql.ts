import { z } from 'zod';
import { Gate } from '../http/gate.ts';
import { sendResult } from '../http/resultAnswer.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';
import { SqlAnswer } from '../http/answers.ts';

/** Longest query text accepted (characters); the JSON body limit (256 KiB) bounds it too. */
export const MAX_QUERY_CHARS = 100_000;

export function sqlRoutes({ warehouse, limits }: RouteDeps) {
  const gate = new Gate(limits.sql.maxConcurrent, 'too_many_queries', 'SQL queries');
  return [
    defineRoute({
      method: 'post',
      path: '/v1/sql',
      operationId: 'runSql',
      response: SqlAnswer,
      summary: "The data team's ad-hoc, read-only SQL over the events and the cart model",
      description:
        'One read-only statement (SELECT, FROM, WITH, VALUES, DESCRIBE, SUMMARIZE) over events, rejected_events and the ' +
        'cart_*_asof table macros. Anything else is refused with 400 and a stable code (sql_not_read_only, ' +
        'sql_multiple_statements, sql_forbidden_table, sql_forbidden_function, ...). The query is stopped at the time ' +
        'limit (400 query_timeout); on ClickHouse the engine also stops it at the memory limit (400 query_out_of_memory) ' +
        'and at the result size wall (400 query_result_too_large); on DuckDB, functions that build large values (repeat, ' +
        'lpad, ...) take literal sizes within a bound (400 sql_value_too_large). Each such problem names `limit` and ' +
        '`limit_name`. Rows beyond the row limit are cut off and the answer says truncated. JSON, CSV or ' +
        'Arrow by ?format= or Accept. See docs/sql.md.',
      tags: ['sql'],
      roles: ['data', 'admin'],
      body: z.strictObject({
        query: z.string().min(1).max(MAX_QUERY_CHARS).describe('one SQL query, e.g. SELECT type, count(*) FROM events GROUP BY type'),
        max_rows: z.int().min(1).max(limits.sql.maxRows).optional().describe(`rows to return at most (default and maximum ${limits.sql.maxRows})`),
        timeout_ms: z
          .int()
          .min(1)
          .max(limits.sql.timeoutMs)
          .optional()
          .describe(`stop the query after this long (default and maximum ${limits.sql.timeoutMs} ms)`),
      }),
      async handler({ body }, req, res): Promise<undefined> {
        const leave = gate.enter();
        try {
          const applied = { ...limits.sql, maxRows: body.max_rows ?? limits.sql.maxRows, timeoutMs: body.timeout_ms ?? limits.sql.timeoutMs };
          const result = await warehouse.runReadOnly(body.query, applied);
          sendResult(req, res, result, applied);
        } finally {
          leave();
        }
      },
    }),
  ];
}
