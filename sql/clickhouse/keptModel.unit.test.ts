import { describe, expect, it } from 'vitest';
import { query, statements, views } from '../loader.ts';
import { keptTwins, keptVariant } from './keptModel.ts';

describe('the `_kept` twins of the cart and line models', () => {
  const twins = keptTwins(views('clickhouse').flatMap((v) => statements(v.sql)));

  it('twins every view over a live fold, and no twin reaches one', () => {
    expect(twins.map((sql) => /CREATE OR REPLACE VIEW (\w+) AS/.exec(sql)![1])).toEqual(['cart_state_kept', 'cart_lines_kept', 'audience_kept', 'cart_line_state_kept']);
    for (const sql of twins) expect(sql.replace(/--[^\n]*/g, '')).not.toMatch(/_asof\(/);
  });

  it.each([
    ['abandonment', 'cart_state_kept('],
    ['removal', 'cart_line_state_kept('],
    ['quantity', 'cart_line_state_kept('],
    ['audience', 'audience_kept('],
    ['audience_lines', 'cart_lines_kept('],
  ])('reads %s through %s', (name, twin) => {
    const kept = keptVariant(query('clickhouse', name))!;
    expect(kept).toContain(twin);
    expect(kept.replace(/--[^\n]*/g, '')).not.toMatch(/_asof\(/);
  });

  it('leaves a query that reads no cart model alone', () => {
    expect(keptVariant(query('clickhouse', 'stats'))).toBeNull();
  });
});
