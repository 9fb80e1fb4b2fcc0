/** `carrello rates load FILE.csv` (README, "Exchange rates"; docs/operations.md): the command as a user runs it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cart } from './support/cartEvents.ts';
import { runCarrello, startCarrello, type CarrelloProcess } from './support/process.ts';
import { scratch, startWithEvents, stopCarrello } from './support/scratch.ts';

const { store, file, remove } = scratch('rates');
const QUERY = 'from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z&as_of=2026-04-10T00:00:00Z';
const rates = (...args: string[]) => runCarrello(['rates', ...args, '--store', store]);

let server: CarrelloProcess;

beforeAll(async () => {
  // Two carts abandoned on 2026-04-02 (UTC): 10.00 EUR, and 20.00 CHF (two products at 10.00).
  server = await startWithEvents(store, [
    ...cart('A').add('2026-04-01T10:00:00.000Z').events,
    ...cart('B', { currency: 'CHF' }).add('2026-04-01T11:00:00.000Z', { product: 'P1' }).add('2026-04-01T11:01:00.000Z', { product: 'P2' }).events,
  ]);
}, 60_000);
afterAll(async () => {
  await stopCarrello(server);
  remove();
});

describe('carrello rates load FILE.csv', () => {
  it('says what it takes in --help', async () => {
    const help = await runCarrello(['rates', 'load', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('Usage: carrello rates load [options] <file>')]);
    expect(help.stdout).toContain('date,base,quote,rate');
  });

  it('refuses the file while carrello start holds the DuckDB store, saying where to send it', async () => {
    const locked = await rates('load', file('locked.csv', 'date,base,quote,rate\n2026-04-02,CHF,EUR,0.9412\n'));
    expect([locked.code, locked.stderr]).toEqual([
      1,
      expect.stringContaining('in use by another process; while carrello start runs, send the rates to it: PUT /v1/exchange-rates'),
    ]);
  });

  it('loads a stopped store, refuses bad files naming the row and field (nothing loaded); answers then convert with the rates', async () => {
    await stopCarrello(server);
    expect((await rates('load')).code).toBe(2);
    const bad = [
      ['columns.csv', 'date,base,quote,rate,source\n2026-04-02,CHF,EUR,0.9412,ecb\n', 'unknown column(s) source'],
      [
        'rate.csv',
        'date,base,quote,rate\n2026-04-01,CHF,EUR,0.95\n2026-04-02,CHF,EUR,"0,9412"\n',
        'row 2 (after the header), rate: expected a decimal such as "0.9412"',
      ],
      ['date.csv', 'date,base,quote,rate\n02/04/2026,CHF,EUR,0.9412\n', 'row 1 (after the header), date:'],
      ['pair.csv', 'date,base,quote,rate\n2026-04-02,EUR,EUR,1\n', 'row 1 (after the header), quote: base and quote are the same currency'],
      ['empty.csv', 'date,base,quote,rate\n', 'holds no rates'],
    ] as const;
    for (const [name, text, message] of bad) {
      const run = await rates('load', file(name, text));
      expect([name, run.code, run.stderr]).toEqual([name, 1, expect.stringContaining(message)]);
    }
    // 0.95 first, then corrected: the later load replaces the day's rate.
    expect((await rates('load', file('first.csv', 'date,base,quote,rate\n2026-04-02,CHF,EUR,0.95\n'))).code).toBe(0);
    const loaded = await rates('load', file('rates.csv', 'date,base,quote,rate\n2026-04-02,CHF,EUR,0.9412\n2026-04-02,USD,EUR,0.9217\n'));
    expect([loaded.code, JSON.parse(loaded.stdout)]).toEqual([0, { received: 2, rates: 2 }]);

    server = await startCarrello(['--no-demo', '--store', store]);
    // 10.00 EUR + 20.00 CHF × 0.9412 (18.824 EUR) = 28.824 EUR → 2882 cents.
    const answer = (await (await fetch(`${server.url}/v1/funnels/abandonment?${QUERY}&currency=EUR`)).json()) as { abandoned: Record<string, unknown> };
    expect([answer.abandoned.value_by_currency, answer.abandoned.value_converted]).toEqual([
      [
        { currency: 'CHF', value_minor: 2000, carts: 1 },
        { currency: 'EUR', value_minor: 1000, carts: 1 },
      ],
      { currency: 'EUR', value_minor: 2882, rates: [{ currency: 'CHF', rate_date: '2026-04-02', rate: '0.9412' }], unconverted: [] },
    ]);
  }, 120_000);
});
