import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSecret, verifyDelivery } from '../announce/signature.ts';
import type { EndpointStatus } from '../announce/status.ts';
import { shopEvents } from './fixtures/shop.ts';
import { runCarrello, startCarrello, type CarrelloProcess } from './support/process.ts';
import { receiver, type Receiver } from './support/receiver.ts';
import { waitFor, waitForProgress } from './support/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'carrello-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Of the shop's 9 announcements 4 go to an endpoint (seqs 6 to 9: D's return and recovery, B's recovery
 * by F, E's abandonment; the others are suppressed). The receiver refuses E's abandonment while `refusing` holds.
 */
async function refusingReceiver() {
  const state = { refusing: true };
  const rx = await receiver((_path, _n, body) => (state.refusing && body.includes('"cart_id":"E"') ? 400 : 200));
  return { rx, state };
}

function envFor(rx: Receiver, secret: string): Record<string, string> {
  return {
    CARRELLO_LIFECYCLE_DETECT_MS: '100',
    CARRELLO_LIFECYCLE_LATENESS_MS: '0',
    CARRELLO_WEBHOOKS: JSON.stringify([{ name: 'flow', url: rx.url('/hook'), secrets: [secret] }]),
    CARRELLO_WEBHOOK_MAX_ATTEMPTS: '2',
    CARRELLO_WEBHOOK_MIN_BACKOFF_MS: '10',
    CARRELLO_WEBHOOK_MAX_BACKOFF_MS: '50',
    // The shop happened in March 2026: a horizon that reaches it.
    CARRELLO_WEBHOOK_HORIZON_MS: String(10 * 365 * 86_400_000),
  };
}

async function status(server: CarrelloProcess): Promise<EndpointStatus> {
  const body = (await (await fetch(`${server.url}/v1/lifecycle/endpoints`)).json()) as { endpoints: EndpointStatus[] };
  return body.endpoints[0]!;
}

async function deadLettered(server: CarrelloProcess) {
  const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shopEvents()) });
  expect(res.status).toBe(202);
  await waitForProgress('the delivery to reach seq 9', async () => (await status(server)).delivered_seq, 9);
  const s = await status(server);
  expect(s.dead_letters).toEqual([{ seq: 9, id: expect.any(String), attempts: 2, reason: 'http_400' }]);
  return s.dead_letters[0]!.id;
}

describe('replaying webhook dead letters', () => {
  it('through the running carrello start: POST /v1/lifecycle/endpoints/{name}/replay', async () => {
    const secret = newSecret();
    const { rx, state } = await refusingReceiver();
    const server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'route.duckdb')}`], envFor(rx, secret));
    try {
      const id = await deadLettered(server);
      const replay = (name: string, body?: unknown) =>
        fetch(`${server.url}/v1/lifecycle/endpoints/${name}/replay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });

      // An endpoint not configured, and seqs that are not its dead letters: 404, nothing queued, no URL told.
      const unknown = await replay('nope', {});
      expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'endpoint_not_found']);
      const notDead = await replay('flow', { seqs: [9, 3] });
      const problem = (await notDead.json()) as { code: string; unknown_seqs: number[] };
      expect([notDead.status, problem.code, problem.unknown_seqs]).toEqual([404, 'dead_letter_not_found', [3]]);
      expect(JSON.stringify(problem)).not.toContain('127.0.0.1');
      // Bounded: at most 1,000 seqs, and nothing else in the body.
      expect((await replay('flow', { seqs: Array.from({ length: 1001 }, (_, i) => i + 1) })).status).toBe(400);
      expect((await replay('flow', { seqs: [9], url: 'http://elsewhere' })).status).toBe(400);
      expect((await status(server)).replays_requested).toBe(0);

      // A body that is not JSON is refused, not read as "every dead letter".
      const form = await fetch(`${server.url}/v1/lifecycle/endpoints/flow/replay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'seqs=9',
      });
      expect([form.status, ((await form.json()) as { code: string }).code]).toEqual([415, 'unsupported_media_type']);
      expect((await fetch(`${server.url}/v1/lifecycle/endpoints/flow/replay`, { method: 'POST' })).status).toBe(415);
      expect((await status(server)).replays_requested).toBe(0);

      // Once the receiver takes it, a replay of every dead letter ({}) delivers it once, same webhook-id.
      state.refusing = false;
      const queued = await replay('flow', {});
      expect([queued.status, await queued.json()]).toEqual([202, { endpoint: 'flow', queued: 1 }]);
      const counted = 'carrello_lifecycle_replayed_total{endpoint="flow",outcome="delivered"} 1';
      await waitFor('the replay counter', async () => (await (await fetch(`${server.url}/metrics`)).text()).includes(counted));
      expect(await status(server)).toEqual({ name: 'flow', kinds: null, delivered_seq: 9, behind: 0, dead_letters: [], replays_requested: 0 });
      const e = rx.got.filter((g) => g.headers['webhook-id'] === id);
      expect(e.map((g) => g.status)).toEqual([400, 400, 200]);
      expect(verifyDelivery(secret, e[2]!.headers, e[2]!.body, Number(e[2]!.headers['webhook-timestamp']))).toEqual({ ok: true });
      // The replayed abandonment came after D's return and recovery and B's recovery (seqs 6–8), as the docs say.
      expect(rx.got.filter((g) => g.status === 200).map((g) => (JSON.parse(g.body) as { kind: string; cart_id: string }).cart_id)).toEqual([
        'D',
        'D',
        'B',
        'E',
      ]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await rx.close();
    }
  }, 180_000);

  it('through carrello webhooks replay on a stopped store, sent when carrello start runs again', async () => {
    const secret = newSecret();
    const { rx, state } = await refusingReceiver();
    const store = `duckdb:${join(dir, 'cli.duckdb')}`;
    const env = envFor(rx, secret);
    const cli = (...args: string[]) => runCarrello(['webhooks', ...args, '--store', store], env);
    const first = await startCarrello(['--no-demo', '--store', store], env);
    let id: string;
    try {
      id = await deadLettered(first);
      // While carrello start holds the DuckDB file, the command says where to ask instead.
      const locked = await cli('replay', '--endpoint', 'flow');
      expect([locked.code, locked.stderr]).toEqual([1, expect.stringContaining('POST /v1/lifecycle/endpoints/flow/replay')]);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }

    const before = await cli('status');
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual({
      endpoints: [
        { name: 'flow', kinds: null, delivered_seq: 9, behind: 0, dead_letters: [{ seq: 9, id, attempts: 2, reason: 'http_400' }], replays_requested: 0 },
      ],
    });

    // Usage errors exit 2; an endpoint not configured and a seq that is no dead letter exit 1, naming them.
    expect((await cli('replay')).code).toBe(2);
    expect((await cli('replay', '--endpoint', 'flow', '--seq', 'eight')).code).toBe(2);
    expect((await cli('resend')).code).toBe(2);
    const nope = await cli('replay', '--endpoint', 'nope');
    expect([nope.code, nope.stderr.trim()]).toEqual([1, 'carrello: no webhook endpoint named "nope" in CARRELLO_WEBHOOKS (configured: flow)']);
    const notDead = await cli('replay', '--endpoint', 'flow', '--seq', '9', '--seq', '3');
    expect([notDead.code, notDead.stderr.trim()]).toEqual([1, 'carrello: not dead letters of flow: seqs 3; nothing was queued']);
    const noMatch = await cli('replay', '--endpoint', 'flow', '--reason', 'timeout');
    expect([noMatch.code, noMatch.stdout.trim()]).toEqual([0, '{"endpoint":"flow","queued":0}']);
    expect(noMatch.stderr).toContain('nothing was queued');

    const queued = await cli('replay', '--endpoint', 'flow', '--seq', '9');
    expect([queued.code, queued.stdout.trim()]).toEqual([0, '{"endpoint":"flow","queued":1}']);
    expect(JSON.parse((await cli('status')).stdout).endpoints[0].replays_requested).toBe(1);

    // carrello start again, the receiver taking it now: sent once, under the same webhook-id.
    state.refusing = false;
    const second = await startCarrello(['--no-demo', '--store', store], env);
    try {
      await waitFor('the replay', async () => {
        const s = await status(second);
        return s.dead_letters.length === 0 && s.replays_requested === 0;
      });
      expect(rx.got.filter((g) => g.headers['webhook-id'] === id).map((g) => g.status)).toEqual([400, 400, 200]);
      expect(rx.got.filter((g) => g.status === 200)).toHaveLength(4);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      await rx.close();
    }
  }, 240_000);
});
