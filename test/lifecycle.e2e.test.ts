import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shopEvents } from './fixtures/shop.ts';
import { startCarrello } from './support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'carrello-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Feed = { announcements: { seq: number; id: string; kind: string; cart_id: string; at: string }[]; next_after: number };

describe('carrello start with lifecycle detection switched on', () => {
  it('finds the shop’s announcements as its events arrive, and serves them as a feed that resumes after a seq', async () => {
    const server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'store.duckdb')}`], {
      CARRELLO_LIFECYCLE_DETECT_MS: '100',
      CARRELLO_LIFECYCLE_LATENESS_MS: '0',
    });
    try {
      const feed = async (query = '') => (await (await fetch(`${server.url}/v1/lifecycle/announcements${query}`)).json()) as Feed;
      // Given nothing stored: an empty feed that resumes where it was asked.
      expect(await feed('?after=5')).toEqual({ announcements: [], next_after: 5 });

      // When the shop's events arrive,
      const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shopEvents()) });
      expect(res.status).toBe(202);

      // then a detection finds its 8 announcements (a deadline against a hang, not a timing check).
      const deadline = Date.now() + 60_000;
      let all = await feed();
      while (all.announcements.length < 8 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        all = await feed();
      }
      expect(all.announcements.map((a) => [a.seq, a.cart_id, a.kind, a.at])).toEqual([
        [1, 'B', 'cart.abandoned', '2026-03-03T12:30:00.000Z'],
        [2, 'D', 'cart.abandoned', '2026-03-04T08:00:00.000Z'],
        [3, 'C', 'cart.abandoned', '2026-03-04T09:01:00.000Z'],
        [4, 'G', 'cart.abandoned', '2026-03-05T10:00:05.000Z'],
        [5, 'H', 'cart.abandoned', '2026-03-06T10:02:00.000Z'],
        [6, 'D', 'cart.reactivated', '2026-03-07T08:00:00.000Z'],
        [7, 'D', 'cart.recovered', '2026-03-07T08:20:00.000Z'],
        [8, 'E', 'cart.abandoned', '2026-03-09T10:00:00.000Z'],
      ]);
      expect(all.next_after).toBe(8);

      // A consumer paging 3 at a time gets the same, in the same order, and then nothing new.
      const paged: number[] = [];
      for (let after = 0, page = await feed('?limit=3'); page.announcements.length > 0; after = page.next_after, page = await feed(`?after=${after}&limit=3`)) {
        paged.push(...page.announcements.map((a) => a.seq));
      }
      expect(paged).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      // Bad input is named.
      const bad = await fetch(`${server.url}/v1/lifecycle/announcements?limit=5000`);
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('limit');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 120_000);
});
