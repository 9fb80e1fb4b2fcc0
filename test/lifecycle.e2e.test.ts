import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shopEvents } from './fixtures/shop.ts';
import { newSecret, verifyDelivery } from '../announce/signature.ts';
import { startCarrello } from './support/process.ts';
import { waitFor, waitForProgress } from './support/wait.ts';

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
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(shopEvents()),
      });
      expect(res.status).toBe(202);

      // then a detection finds its 9 announcements (waited for while the count moves, not timed).
      await waitForProgress('the 9 announcements', async () => (await feed()).announcements.length, 9);
      const all = await feed();
      expect(all.announcements.map((a) => [a.seq, a.cart_id, a.kind, a.at])).toEqual([
        [1, 'B', 'cart.abandoned', '2026-03-03T12:30:00.000Z'],
        [2, 'D', 'cart.abandoned', '2026-03-04T08:00:00.000Z'],
        [3, 'C', 'cart.abandoned', '2026-03-04T09:01:00.000Z'],
        [4, 'G', 'cart.abandoned', '2026-03-05T10:00:05.000Z'],
        [5, 'H', 'cart.abandoned', '2026-03-06T10:02:00.000Z'],
        [6, 'D', 'cart.reactivated', '2026-03-07T08:00:00.000Z'],
        [7, 'D', 'cart.recovered', '2026-03-07T08:20:00.000Z'],
        [8, 'B', 'cart.recovered', '2026-03-09T09:05:00.000Z'],
        [9, 'E', 'cart.abandoned', '2026-03-09T10:00:00.000Z'],
      ]);
      expect(all.next_after).toBe(9);

      // A consumer paging 3 at a time gets the same, in the same order, and then nothing new.
      const paged: number[] = [];
      for (let after = 0, page = await feed('?limit=3'); page.announcements.length > 0; after = page.next_after, page = await feed(`?after=${after}&limit=3`)) {
        paged.push(...page.announcements.map((a) => a.seq));
      }
      expect(paged).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

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

describe('carrello start delivering the announcements to a webhook', () => {
  it('delivers each once, in order, signed, the suppressed ones not; killed while a delivery hangs, a restart sends nothing the receiver acknowledged', async () => {
    // A real receiver: it acknowledges at once, except that it holds the 2nd request unanswered. Of the shop's
    // 9 announcements 4 are sent (D's return and recovery, B's recovery by F, E's abandonment): the other
    // abandonments are suppressed (ordered since, anonymous, no consent).
    const secret = newSecret();
    const got: { id: string; headers: Record<string, string>; body: string }[] = [];
    let held: ServerResponse | null = null;
    let holding = true;
    let seeHeld!: () => void;
    const heldSeen = new Promise<void>((resolve) => (seeHeld = resolve));
    const receiverServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ id: (JSON.parse(body) as { id: string }).id, headers: req.headers as Record<string, string>, body });
        if (holding && got.length === 2) {
          held = res;
          seeHeld();
          return;
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiverServer.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiverServer.address() as { port: number }).port}/hook`;
    const env = {
      CARRELLO_LIFECYCLE_DETECT_MS: '100',
      CARRELLO_LIFECYCLE_LATENESS_MS: '0',
      CARRELLO_WEBHOOKS: JSON.stringify([{ name: 'flow', url, secrets: [secret] }]),
      CARRELLO_WEBHOOK_MIN_BACKOFF_MS: '10',
      CARRELLO_WEBHOOK_MAX_BACKOFF_MS: '50',
      // The shop happened in March 2026: a horizon that reaches it.
      CARRELLO_WEBHOOK_HORIZON_MS: String(10 * 365 * 86_400_000),
    };
    const store = `duckdb:${join(dir, 'webhooks.duckdb')}`;
    try {
      const first = await startCarrello(['--no-demo', '--store', store], env);
      const res = await fetch(`${first.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(shopEvents()),
      });
      expect(res.status).toBe(202);
      // When the 2nd delivery hangs, the process is killed: the 1st was acknowledged, the 2nd was not.
      await heldSeen;
      first.child.kill('SIGKILL');
      await first.exited;
      holding = false;
      (held as ServerResponse | null)?.destroy();
      expect(got).toHaveLength(2);

      // Then a restart sends the 2nd again, the 3rd and the 4th, and not the 1st.
      const second = await startCarrello(['--no-demo', '--store', store], env);
      try {
        await waitForProgress('5 deliveries at the receiver', () => got.length, 5);
        const feed = (await (await fetch(`${second.url}/v1/lifecycle/announcements`)).json()) as Feed;
        const ids = feed.announcements.map((a) => a.id);
        expect(ids).toHaveLength(9);
        expect(got.map((g) => g.id)).toEqual([ids[5], ids[6], ids[6], ids[7], ids[8]]);
        for (const g of got) expect(verifyDelivery(secret, g.headers, g.body, Number(g.headers['webhook-timestamp']))).toEqual({ ok: true });
        // The counters move when the delivery run ends, after its last acknowledgement: waited for, not timed.
        const counted = 'carrello_lifecycle_delivered_total{endpoint="flow"} 3';
        const metrics = await waitFor('the delivered counter', async () => {
          const text = await (await fetch(`${second.url}/metrics`)).text();
          return text.includes(counted) && text;
        });
        expect(metrics).toContain(counted);
        const status = (await (await fetch(`${second.url}/v1/lifecycle/endpoints`)).json()) as unknown;
        expect(status).toEqual({ endpoints: [{ name: 'flow', kinds: null, delivered_seq: 9, behind: 0, dead_letters: [], replays_requested: 0 }] });
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      await new Promise<void>((r) => receiverServer.close(() => r()));
    }
  }, 180_000);
});
