import { describe, expect, it } from 'vitest';
import { query, statements, views } from '../loader.ts';
import { keptAsOf, keptTwins, keptVariant } from './keptModel.ts';

describe('the `_kept` twins of the cart and line models', () => {
  const twins = keptTwins(views('clickhouse').flatMap((v) => statements(v.sql)));

  it('twins every view over a live fold, and no twin reaches one', () => {
    expect(twins.map((sql) => /CREATE OR REPLACE VIEW (\w+) AS/.exec(sql)![1])).toEqual([
      'cart_state_kept',
      'cart_lines_kept',
      'audience_kept',
      'cart_line_state_kept',
    ]);
    for (const sql of twins) expect(sql.replace(/--[^\n]*/g, '')).not.toMatch(/_asof\(/);
  });

  it.each([
    ['abandonment', 'cart_state_kept('],
    ['removal', 'cart_line_state_kept('],
    ['quantity', 'cart_line_state_kept('],
    ['audience', 'audience_kept('],
    ['audience_lines', 'cart_replay_kept('],
  ])('reads %s through %s', (name, twin) => {
    const kept = keptVariant(query('clickhouse', name))!;
    expect(kept).toContain(twin);
    // Product names as of as_of (views/015) read the catalogue and the events' names, no fold: they stay.
    expect(kept.replace(/--[^\n]*/g, '').replace(/\bproduct_names_asof\(/g, '')).not.toMatch(/_asof\(/);
  });

  it('leaves a query that reads no cart model alone', () => {
    expect(keptVariant(query('clickhouse', 'stats'))).toBeNull();
  });
});

describe('keptAsOf: the earliest literal as_of of a data-team statement, when every view call has one', () => {
  const state = (asOf: string) => `cart_state_asof(as_of_ms = ${asOf}, abandon_ms = 86400000)`;
  it.each([
    ['one call', `SELECT count() FROM ${state('1780272000000')}`, 1, '1780272000000'],
    [
      'the earliest of two',
      `SELECT count() FROM ${state('1780272000000')} AS a, audience_asof(as_of_ms = 1780000000000, abandon_ms = 1, lookback_ms = 2) AS b`,
      2,
      '1780000000000',
    ],
    ['a call whose as_of is an expression', `SELECT count() FROM cart_state_asof(as_of_ms = 1780272000000 - 1, abandon_ms = 86400000)`, 1, null],
    ['a call whose as_of is not first', `SELECT count() FROM cart_state_asof(abandon_ms = 86400000, as_of_ms = 1780272000000)`, 1, null],
    ['a string that looks like a call beside a real one', `SELECT 'cart_state_asof(as_of_ms = 1, ' AS s, count() FROM ${state('1780272000000')}`, 1, null],
    ['no call', 'SELECT count() FROM events', 0, null],
    ['an as_of past Int64', `SELECT count() FROM ${state('99999999999999999999')}`, 1, null],
  ])('%s', (_, sql, calls, expected) => {
    expect(keptAsOf(sql, calls)).toBe(expected);
  });
});
