import { str, type CommandValues } from './commandValues.ts';
import { requestReplay } from '../announce/replay.ts';
import { deliveryStatus } from '../announce/status.ts';
import { describeStore } from '../sql/open.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { parseConfig } from './config.ts';
import { openExistingWarehouse } from './existingStore.ts';
import { counted, progressLine, withProgress } from './progress.ts';

const USAGE = 'usage: carrello webhooks replay --endpoint NAME [--seq N ...] [--reason REASON] [--store ...]\n       carrello webhooks status [--store ...]\n';

/**
 * `carrello webhooks replay --endpoint NAME [--seq N ...] [--reason R]`: asks for a replay of an endpoint's
 * dead letters (all, those seqs, or those kept with that reason) by writing the request to the store
 * (announce/replay.ts); the process that delivers sends them at its next turn, so on an embedded store
 * they go when `carrello start` runs again, and on a ClickHouse server in use at once. Prints
 * {"endpoint","queued"}. `carrello webhooks status` prints what GET /v1/lifecycle/endpoints shows. The
 * endpoints are those of CARRELLO_WEBHOOKS, as `carrello start` is given them. Exit codes: 0 done, 1 a
 * failure (an endpoint not configured, seqs that are not its dead letters, a store in use), 2 usage.
 */
export async function webhooksCommand(sub: 'replay' | 'status', values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const given = Array.isArray(values.seq) ? values.seq : undefined;
  const seqs = given?.map(Number);
  const endpoint = str(values, 'endpoint');
  const reason = str(values, 'reason');
  if (sub === 'replay') {
    if (!endpoint) return usage('--endpoint NAME is required');
    if (seqs?.some((n) => !Number.isSafeInteger(n) || n < 1)) return usage(`--seq: expected positive integers, got ${given!.join(' ')}`);
    if (reason === '') return usage('--reason: expected a reason (http_400, timeout, …)');
  }
  const config = parseConfig({ store: str(values, 'store') }, env);
  if (config.webhooks.length === 0)
    throw new CarrelloError('command_failed', 'no webhook endpoint is configured: set CARRELLO_WEBHOOKS as for the carrello start that delivers');
  const name = endpoint;
  if (name !== undefined && !config.webhooks.some((e) => e.name === name)) {
    throw new CarrelloError(
      'command_failed',
      `no webhook endpoint named ${JSON.stringify(name)} in CARRELLO_WEBHOOKS (configured: ${config.webhooks.map((e) => e.name).join(', ')})`,
    );
  }
  const warehouse = await openExistingWarehouse(config.store).catch((err: unknown) => {
    // A DuckDB file is locked by the process that has it open: the running carrello start takes the request itself.
    if (config.store.kind === 'duckdb' && /lock/i.test((err as Error).message)) {
      throw new CarrelloError(
        'store_locked',
        `the store at ${describeStore(config.store)} is in use by another process; while carrello start runs, ask it: POST /v1/lifecycle/endpoints/${name ?? 'NAME'}/replay (admin)`,
      );
    }
    throw err;
  });
  try {
    await warehouse.migrate();
    if (sub === 'status') {
      process.stdout.write(`${JSON.stringify({ endpoints: await deliveryStatus(warehouse, config.webhooks) })}\n`);
      return 0;
    }
    const queued = await withProgress(
      progressLine('carrello webhooks replay'),
      `finding the dead letters of ${name!}`,
      () => requestReplay(warehouse, name!, { seqs, reason }, Date.now()),
      (q) => ('unknown_seqs' in q ? 'nothing queued' : `${counted(q.queued, 'dead letter')} queued`),
    );
    if ('unknown_seqs' in queued)
      throw new CarrelloError('command_failed', `not dead letters of ${name}: seqs ${queued.unknown_seqs.join(', ')}; nothing was queued`);
    process.stdout.write(`${JSON.stringify({ endpoint: name, queued: queued.queued })}\n`);
    // Never a silent success: nothing to replay is said so.
    if (queued.queued === 0) process.stderr.write(`carrello webhooks replay: no dead letter of ${name} matched; nothing was queued\n`);
    return 0;
  } finally {
    await warehouse.close();
  }
}

function usage(problem?: string): number {
  process.stderr.write(`${problem ? `carrello webhooks: ${problem}\n` : ''}${USAGE}`);
  return 2;
}
