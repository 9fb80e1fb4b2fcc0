import { Command, CommanderError } from 'commander';
import type { CommandValues } from './commandValues.ts';
import { isCarrelloError, type ErrorCode } from '../errors/carrelloError.ts';
import { parseConfig } from './config.ts';
import { dlqCommand } from './dlqCommand.ts';
import { forgetCommand } from './forgetCommand.ts';
import { ingestCommand } from './ingestCommand.ts';
import { productsCommand } from './productsCommand.ts';
import { ratesCommand } from './ratesCommand.ts';
import { rebuildCommand } from './rebuildCommand.ts';
import { createLogger } from './logger.ts';
import { simulateCommand } from './simulateCommand.ts';
import { start } from './start.ts';
import { webhooksCommand } from './webhooksCommand.ts';

const STORE = 'duckdb:PATH | clickhouse://… | chdb:PATH';

/** Usage errors (an unknown command or option, a missing value, code `usage`) exit 2; help asked for exits 0. */
const USAGE_EXIT = 2;

/** The exit code of a failure by its code: 2 for a usage error, 1 for every other. */
const exitCodeOf = (code: ErrorCode): number => (code === 'usage' ? USAGE_EXIT : 1);

/** The one line a failure prints, by its code. */
function failureLine(code: ErrorCode, message: string): string {
  if (code === 'invalid_config' || code === 'invalid_api_keys') return `carrello: invalid configuration: ${message}\n`;
  if (code === 'usage') return `carrello: ${message}\n(add --help for usage)\n`;
  return `carrello: ${message}\n`;
}

/**
 * The command line (commander): each command with its options, descriptions and `--help`; a mistyped
 * command or option gets a suggestion ("Did you mean --store?"). Exit codes: 0 done, 1 a failure, 2 usage.
 * `run` receives the command's options by their long flag's name (`--dry-run` → `dry-run`).
 */
function program(run: (name: string, values: CommandValues) => Promise<number>): Command {
  const root = new Command('carrello')
    .description('cart event stream → customer-behaviour analytics')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nEvery command but start and ingest refuses a store that does not exist. A failure prints one line,\n`carrello: …`, and exits 1 (2 for a usage error).\n\nEnvironment: PORT, CARRELLO_HOST, CARRELLO_STORE, KAFKA_BROKERS, LOG_LEVEL and more; see README.md.',
    );
  const add = (parent: Command, name: string, summary: string, detail: string, options: [string, string][], key = name) => {
    const cmd = parent.command(name).summary(summary).description(`${summary}\n\n${detail}`).showSuggestionAfterError(true);
    for (const [flags, help] of options) cmd.option(flags, help);
    cmd.action(async (_opts, c: Command) => {
      exitCode = await run(key, valuesOf(c));
    });
    return cmd;
  };
  // `carrello NAME load FILE.csv`: a reference-data load (cli/csvFile.ts); the route `put` takes the same rows.
  const load = (name: string, description: string, put: string, text: { file: string; summary: string; detail: string }) =>
    root
      .command(name)
      .description(description)
      .showSuggestionAfterError(true)
      .command('load')
      .argument('<file>', text.file)
      .summary(text.summary)
      .description(
        `${text.summary}\n\n${text.detail}: one invalid row refuses the file, naming its row and field. Prints the counts. A DuckDB file must not be open in another process (while carrello start runs, ${put} instead).`,
      )
      .option('--store <url>', `the store: ${STORE}`)
      .showSuggestionAfterError(true)
      .action(async (file: string, _opts, c: Command) => {
        exitCode = await run(`${name} load`, { ...valuesOf(c), file });
      });
  add(
    root,
    'start',
    'collector, ingest, store and API in one process',
    'DuckDB by default, or ClickHouse. --demo seeds 30 days of simulated shop traffic and keeps a live trickle going (npm start does this). With KAFKA_BROKERS set, the collector publishes to Kafka and an in-process worker consumes it.',
    [
      ['--demo', 'load simulated shop traffic (npm start)'],
      ['--no-demo', 'no simulated traffic (the default)'],
      ['--port <n>', 'port of the API and dashboards (PORT, default 8080)'],
      ['--host <addr>', 'address to listen on (CARRELLO_HOST, default 127.0.0.1)'],
      ['--store <url>', `the store: ${STORE} (CARRELLO_STORE)`],
      ['--days <n>', 'days of demo history'],
      ['--seed <s>', 'seed of the demo traffic'],
    ],
  );
  add(
    root,
    'ingest',
    'a Kafka consumer-group worker: topic → validate → store',
    'Invalid messages go to the dead-letter topic; /healthz and /metrics on --port (default 9464). The worker holding partition 0 also detects and delivers the cart lifecycle (docs/lifecycle.md).',
    [
      ['--port <n>', 'port of /healthz and /metrics (default 9464)'],
      ['--store <url>', `the store: ${STORE}`],
      ['--brokers <list>', 'bootstrap brokers host:port,… (KAFKA_BROKERS)'],
      ['--topic <t>', 'the event topic (default carrello.cart-events.v1)'],
      ['--group <g>', 'the consumer group (default carrello-ingest)'],
    ],
  );
  const dlq = root.command('dlq').description('the Kafka dead-letter topic').showSuggestionAfterError(true);
  add(
    dlq,
    'replay',
    'sends the dead letters not replayed yet back to the event topic',
    'Original key, bytes and headers; those still refused go back to the dead-letter topic with a replay count. Each leaves once.',
    [
      ['--reason <reason>', 'only the dead letters refused for this reason'],
      ['--dry-run', 'count, send nothing'],
      ['--brokers <list>', 'bootstrap brokers host:port,… (KAFKA_BROKERS)'],
      ['--topic <t>', 'the event topic'],
    ],
    'dlq replay',
  );
  const webhooks = root.command('webhooks').description('the lifecycle webhooks: replay dead letters, status').showSuggestionAfterError(true);
  add(
    webhooks,
    'replay',
    "asks for a replay of a webhook endpoint's dead letters",
    'All, those seqs, or those kept with that reason: the process that delivers (carrello start, CARRELLO_WEBHOOKS) sends them at its next turn, under the same webhook-id. Prints {"endpoint","queued"}. On a DuckDB file, with carrello start stopped (while it runs: POST /v1/lifecycle/endpoints/NAME/replay); on a ClickHouse server, any time.',
    [
      ['--endpoint <name>', 'the endpoint (a name of CARRELLO_WEBHOOKS)'],
      ['--seq <n...>', 'only these seqs (repeatable)'],
      ['--reason <reason>', 'only the dead letters kept with this reason (http_400, timeout, …)'],
      ['--store <url>', `the store: ${STORE}`],
    ],
    'webhooks replay',
  );
  add(
    webhooks,
    'status',
    "each endpoint's position, how far behind, its dead letters, replays waiting",
    'What GET /v1/lifecycle/endpoints shows, as JSON.',
    [['--store <url>', `the store: ${STORE}`]],
    'webhooks status',
  );
  add(
    root,
    'simulate',
    'deterministic shop traffic for a seed',
    'A backfill of N days ending at --end, or a live stream, to a file, stdout, the collector or Kafka.',
    [
      ['--seed <s>', 'the seed (same seed, same traffic)'],
      ['--days <n>', 'days of backfill (default 7)'],
      ['--end <iso>', 'end of the backfill (default now)'],
      ['--carts-per-day <n>', 'carts per day'],
      ['--live', 'a live stream instead of a backfill'],
      ['--rate <events_per_s>', 'live: events per second (default 5)'],
      ['--duration <s>', 'live: stop after this many seconds'],
      ['--to <sink>', 'file (default), collector or kafka'],
      ['--out <path>', 'file: the path, - for stdout (default)'],
      ['--url <url>', 'collector: its base URL (default http://127.0.0.1:8080)'],
      ['--brokers <list>', 'kafka: bootstrap brokers'],
      ['--topic <t>', 'kafka: the event topic'],
      ['--duplicate-rate <p>', 'share of events sent twice (0–1)'],
      ['--invalid-rate <p>', 'share of broken events (0–1)'],
    ],
  );
  add(
    root,
    'forget',
    "deletes a customer's events, refused messages and derived rows",
    'By customer_id or anonymous_id, on DuckDB or ClickHouse; --dry-run prints the same counts and deletes nothing (a DuckDB file or chdb directory must not be in use by another process). Exit code 3 when nothing held the id.',
    [
      ['--customer <id>', 'the customer id'],
      ['--anonymous-id <id>', 'the anonymous id'],
      ['--dry-run', 'count, delete nothing'],
      ['--store <url>', `the store: ${STORE}`],
    ],
  );
  load('products', 'the product catalogue (names, categories: docs/metrics.md)', 'PUT /v1/products', {
    file: 'a CSV file: a header row naming the columns (id and name required; category, brand, url, image_url, price_minor with currency, updated_at optional), then one product per row',
    summary: 'upserts a CSV file of products into the catalogue, as PUT /v1/products does',
    detail: 'Every row is validated before any is stored',
  });
  load('rates', 'daily exchange rates for answers in a reporting currency (docs/metrics.md)', 'PUT /v1/exchange-rates', {
    file: 'a CSV file: a header row date,base,quote,rate, then one rate per row (on date, one base is worth rate quote; e.g. 2026-03-01,CHF,EUR,0.9412)',
    summary: 'upserts a CSV file of daily exchange rates, as PUT /v1/exchange-rates does',
    detail: 'A rate replaces the stored one of its date and pair. Every row is validated before any is stored',
  });
  add(
    root,
    'rebuild',
    'rebuilds the read models from the stored events',
    'Cart and line models, per-event replay; prints {"carts":N,"lines":N} (a DuckDB file must not be in use by another process; DuckDB only for now).',
    [['--store <url>', `the store: ${STORE}`]],
  );
  return root;
}

let exitCode = 0;

/** A command's options by their long flag's name; a negated flag (--no-demo) sets its positive one. */
function valuesOf(c: Command): CommandValues {
  const out: CommandValues = {};
  for (const o of c.options) {
    const v: unknown = c.getOptionValue(o.attributeName());
    if (v !== undefined && !o.negate) out[o.long!.slice(2)] = v as string | boolean | string[];
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const root = program((name, values) => {
    if (name === 'start') return startCommand(values);
    if (name === 'ingest') return ingestCommand(values, process.env);
    if (name === 'dlq replay') return dlqCommand(values, process.env);
    if (name === 'webhooks replay') return webhooksCommand('replay', values, process.env);
    if (name === 'webhooks status') return webhooksCommand('status', values, process.env);
    if (name === 'simulate') return simulateCommand(values, process.env);
    if (name === 'forget') return forgetCommand(values, process.env);
    if (name === 'rebuild') return rebuildCommand(values, process.env);
    if (name === 'products load') return productsCommand(values, process.env);
    if (name === 'rates load') return ratesCommand(values, process.env);
    throw new Error(`no command ${name}`);
  });
  for (const c of [root, ...allCommands(root)]) {
    c.exitOverride();
    // One voice for every failure: `carrello: …`, as the commands' own.
    c.configureOutput({ outputError: (text, write) => write(`carrello: ${text.replace(/^error: /, '')}`) });
  }
  if (argv.length === 0) {
    process.stderr.write(root.helpInformation());
    return USAGE_EXIT;
  }
  try {
    await root.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError)
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : USAGE_EXIT;
    throw err;
  }
  return exitCode;
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((s) => [s, ...allCommands(s)]);
}

async function startCommand(values: CommandValues): Promise<number> {
  const config = parseConfig({ ...values, demo: values.demo === true }, process.env);
  const log = createLogger(config.log_level, 'carrello', config.log_format);
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
    // carrello's own failures are one line; anything else is a bug, shown with its stack.
    if (isCarrelloError(err)) {
      process.stderr.write(failureLine(err.code, err.message));
      process.exit(exitCodeOf(err.code));
    }
    process.stderr.write(`carrello: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
