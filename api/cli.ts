import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from './config.ts';
import { dlqCommand } from './dlqCommand.ts';
import { forgetCommand } from './forgetCommand.ts';
import { ingestCommand } from './ingestCommand.ts';
import { productsCommand } from './productsCommand.ts';
import { rebuildCommand } from './rebuildCommand.ts';
import { createLogger } from './logger.ts';
import { simulateCommand } from './simulateCommand.ts';
import { CommandError } from './commandErrors.ts';
import { start } from './start.ts';
import { webhooksCommand } from './webhooksCommand.ts';

const HELP = `carrello — cart event stream → customer-behaviour analytics

Usage:
  carrello start [--demo | --no-demo] [--port N] [--host ADDR] [--store duckdb:PATH|clickhouse://…|chdb:PATH]
      One process: collector, ingest, store (DuckDB by default, or ClickHouse), API. --demo seeds 30 days of simulated
      shop traffic and keeps a live trickle going (npm start does this). With KAFKA_BROKERS
      set, the collector publishes to Kafka and an in-process worker consumes it.
  carrello ingest [--port N] [--store duckdb:PATH|clickhouse://…|chdb:PATH] [--brokers HOST:PORT,...] [--topic T] [--group G]
      A Kafka consumer-group worker: topic → validate → store, invalid messages to the
      dead-letter topic; /healthz and /metrics on --port (default 9464).
  carrello dlq replay [--reason REASON] [--dry-run] [--brokers HOST:PORT,...] [--topic T]
      Sends the dead letters not replayed yet back to the event topic (original key, bytes and headers);
      those still refused go back to the dead-letter topic with a replay count. Each leaves once.
  carrello webhooks replay --endpoint NAME [--seq N ...] [--reason REASON] [--store duckdb:PATH|clickhouse://...|chdb:PATH]
      Asks for a replay of a webhook endpoint's dead letters (all, those seqs, or those kept with that reason):
      the process that delivers (carrello start, CARRELLO_WEBHOOKS) sends them at its next turn, under the same
      webhook-id. Prints {"endpoint","queued"}. On a DuckDB file, with carrello start stopped (while it runs:
      POST /v1/lifecycle/endpoints/NAME/replay); on a ClickHouse server, any time.
  carrello webhooks status [--store ...]
      Each endpoint's position in the announcement log, how far behind, its dead letters, replays waiting.
  carrello simulate [--seed S] [--days N] [--end ISO] [--carts-per-day N]
                    [--live --rate EVENTS_PER_S [--duration S]]
                    [--to file|collector|kafka] [--out PATH|-] [--url URL]
                    [--brokers HOST:PORT,...] [--topic T]
                    [--duplicate-rate P] [--invalid-rate P]
      Deterministic shop traffic for a seed: a backfill of N days ending at --end, or a live stream.
  carrello forget --customer ID | --anonymous-id ID [--dry-run] [--store duckdb:PATH|clickhouse://...|chdb:PATH]
      Deletes a customer's events (by customer_id or anonymous_id), refused messages holding the id and
      derived rows, on DuckDB or ClickHouse; --dry-run prints the same counts and deletes nothing (a DuckDB file or chdb directory must not be in use by another process). Exit code 3 when
      nothing held the id.
  carrello rebuild [--store duckdb:PATH|clickhouse://...|chdb:PATH]
      Rebuilds the read models (cart and line models, per-event replay) from the stored events and prints
      {"carts":N,"lines":N} (a DuckDB file must not be in use by another process; DuckDB only for now).
  carrello products load FILE.csv [--store duckdb:PATH|clickhouse://...|chdb:PATH]
      Upserts the file's products into the catalogue (a header row: id, name, category, brand, url, image_url,
      price_minor, currency, updated_at; id and name required), as PUT /v1/products does: answers name products
      by it. One invalid row refuses the file. Prints {"received":N,"products":N}. On a DuckDB file, with
      carrello start stopped (while it runs: PUT /v1/products).
  carrello help

Every command but start and ingest refuses a store that does not exist. A failure prints one line,
\`carrello: …\`, and exits 1 (2 for a usage error).

Environment: PORT, CARRELLO_HOST, CARRELLO_STORE, KAFKA_BROKERS, LOG_LEVEL and more; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'start') return startCommand(rest);
  if (command === 'simulate') return simulateCommand(rest, process.env);
  if (command === 'ingest') return ingestCommand(rest, process.env);
  if (command === 'dlq') return dlqCommand(rest, process.env);
  if (command === 'forget') return forgetCommand(rest, process.env);
  if (command === 'rebuild') return rebuildCommand(rest, process.env);
  if (command === 'webhooks') return webhooksCommand(rest, process.env);
  if (command === 'products') return productsCommand(rest, process.env);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? 1 : 0;
  }
  process.stderr.write(`carrello: unknown command ${JSON.stringify(command)}\n\n${HELP}\n`);
  return 2;
}

async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      demo: { type: 'boolean' },
      'no-demo': { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      store: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const config = parseConfig({ ...values, demo: values.demo === true && values['no-demo'] !== true }, process.env);
  const log = createLogger(config.log_level);
  // Node ends the process on an unhandled rejection. Every stream path settles its own promises (an
  // export dropped at any moment is tested on both engines), so one reaching here is a bug; but dying of
  // it would drop every other client's request and the events the in-process queue holds, for a promise
  // that, being unawaited, no write depended on. So: logged at error level, loudly, and serving goes on.
  // Thrown exceptions (uncaughtException) still end the process: their state is unknown.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection (a bug): logged, the process keeps serving'));
  const running = await start(config, log);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await running.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`carrello: invalid configuration: ${err.message}\n`);
    else if (err instanceof CommandError) process.stderr.write(`carrello: ${err.message}\n`);
    else if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`carrello: ${err.message}\n\n${HELP}\n`);
    } else process.stderr.write(`carrello: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
