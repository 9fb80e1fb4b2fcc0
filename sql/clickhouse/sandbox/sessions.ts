import type { ClickHouseClient } from '@clickhouse/client';

/** A read-only client lent to one data-team query; `release(failed)` gives it back. */
export interface Lease {
  client: ClickHouseClient;
  release: (failed: boolean) => Promise<void>;
}

/** Where the sandbox's queries run: never on the session the warehouse writes with. */
export interface SandboxSessions {
  acquire: () => Promise<Lease>;
  close: () => Promise<void>;
}

/**
 * On a server: one client for every query. @clickhouse/client sends no session_id unless told to, so
 * each query is an HTTP request of its own: queries run side by side, and a failed one leaves nothing
 * behind for the next.
 */
export function sharedSessions(open: () => Promise<ClickHouseClient>): SandboxSessions {
  let client: Promise<ClickHouseClient> | null = null;
  return {
    async acquire() {
      client ??= open();
      const opened = client;
      opened.catch(() => {
        client = null;
      });
      return { client: await opened, release: async () => undefined };
    },
    async close() {
      const opened = client;
      client = null;
      await (await opened?.catch(() => null))?.close();
    },
  };
}

/**
 * On chdb: a chdb session per query running, kept for the next one when idle. chdb runs queries of
 * different sessions at once (a SELECT 1 answers in milliseconds beside a query running to its time
 * limit), but settings sent with a query outlive it in its session, and a session hands what a stopped
 * query had written so far to its next query: so a session is never shared by two queries at once, and
 * one whose query failed is closed rather than lent again. The API's concurrent query limit
 * (sql_max_concurrent) bounds how many are open.
 */
export function pooledSessions(open: () => Promise<ClickHouseClient>): SandboxSessions {
  const idle: ClickHouseClient[] = [];
  let closed = false;
  return {
    async acquire() {
      const client = idle.pop() ?? (await open());
      return {
        client,
        async release(failed) {
          if (failed || closed) await client.close();
          else idle.push(client);
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all(idle.splice(0).map((c) => c.close()));
    },
  };
}
