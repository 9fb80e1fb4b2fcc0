import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, parseStore } from '../sql/open.ts';
import { closedPort, runCarrello, startCarrello, StartTimedOut } from './support/process.ts';

// No silent success: each failure an operator can meet exits non-zero with one line naming what failed.
const dir = mkdtempSync(join(tmpdir(), 'carrello-cli-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port something else listens on, for as long as the suite runs. */
let held: Server;
let heldPort: number;
beforeAll(async () => {
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  heldPort = (held.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('a port already in use', () => {
  it('carrello start exits 1 naming the port, and never says it listens', async () => {
    const r = await runCarrello(['start', '--no-demo', '--port', String(heldPort), '--store', `duckdb:${join(dir, 'port.duckdb')}`], { LOG_LEVEL: 'info' });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`carrello: cannot listen on 127.0.0.1:${heldPort} (port ${heldPort}): the port is already in use (EADDRINUSE)`]);
    expect(r.stdout).not.toContain('listening');
  });

  it('carrello ingest exits 1 naming the port', async () => {
    const r = await runCarrello(['ingest', '--port', String(heldPort), '--store', `duckdb:${join(dir, 'ingest.duckdb')}`], {
      KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`,
      LOG_LEVEL: 'fatal',
    });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`carrello: cannot listen on 127.0.0.1:${heldPort} (port ${heldPort}): the port is already in use (EADDRINUSE)`]);
  });
});

describe('a store that does not exist', () => {
  it.each([
    ['forget', ['forget', '--customer', 'c-1']],
    ['rebuild', ['rebuild']],
  ])('carrello %s refuses it and creates nothing', async (_name, args) => {
    const typo = join(dir, 'typo', 'carrello.duckdb');
    const r = await runCarrello([...args, '--store', `duckdb:${typo}`]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`carrello: no store at duckdb:${typo}: ${typo} does not exist (carrello start or ingest creates one)`]);
    expect(r.stdout).toBe('');
    expect(existsSync(typo)).toBe(false);
  });

  it('carrello forget says when nothing held the customer, with exit code 3', async () => {
    const path = join(dir, 'empty.duckdb');
    const w = await openWarehouse(parseStore(`duckdb:${path}`));
    await w.migrate();
    await w.close();
    const r = await runCarrello(['forget', '--customer', 'nobody', '--store', `duckdb:${path}`]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ events_deleted: 0, rejected_deleted: 0 });
    expect(lines(r.stderr)).toEqual(['carrello forget: customer not found: no event and no refused message held this id; nothing was deleted']);
  });
});

describe('a usage error found past the parser', () => {
  it('carrello forget without an id exits 2 (code usage), naming what it needs, and opens no store', async () => {
    const typo = join(dir, 'never', 'carrello.duckdb');
    const r = await runCarrello(['forget', '--store', `duckdb:${typo}`]);
    expect([r.code, lines(r.stderr), r.stdout]).toEqual([
      2,
      ['carrello: forget needs one of --customer ID or --anonymous-id ID', '(add --help for usage)'],
      '',
    ]);
    expect(existsSync(typo)).toBe(false);
  });
});

describe('a network target that does not answer', () => {
  it('carrello simulate --to collector names the collector and the cause in one line', async () => {
    const port = await closedPort();
    const r = await runCarrello(['simulate', '--days', '1', '--carts-per-day', '5', '--to', 'collector', '--url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^carrello: cannot reach the collector at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`)),
    ]);
  });

  it('carrello dlq replay names the brokers and the cause in one line', async () => {
    const port = await closedPort();
    const r = await runCarrello(['dlq', 'replay'], { KAFKA_BROKERS: `127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^carrello: cannot reach Kafka at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`))]);
  });
});

describe('test/support/process.ts', () => {
  it('ends a carrello start whose start timed out', async () => {
    // A start that cannot listen within 1 ms: the helper must end the child before it gives up.
    const err = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'slow.duckdb')}`], {}, { startTimeoutMs: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StartTimedOut);
    const pid = (err as StartTimedOut).pid!;
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});
