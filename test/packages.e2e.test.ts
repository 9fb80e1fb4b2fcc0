import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from './support/app.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const INGEST = 'ing-0123456789abcdef';

// A project of a shop's own, outside the repository: carrello is in its node_modules, as `npm i carrello` puts it.
const project = mkdtempSync(join(tmpdir(), 'carrello-consumer-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(ROOT, join(project, 'node_modules', 'carrello'), 'dir');
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-shop', private: true, type: 'module' }));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const CONSUMER = `
import { CartEventProducer, CartEventSchema, CollectorClient, EventRefusedError, type CartEvent } from 'carrello/producer';
import { createCarrello, type CarrelloOptions, type TrackInput } from 'carrello/browser';

const event: CartEvent = {
  event_id: '7d1f5b36-2b1e-4c47-9a53-0c1d2e3f4a5b', type: 'cart.item_added', schema_version: 1,
  occurred_at: '2026-03-02T09:15:00.123Z', cart_id: 'pkg-cart', currency: 'EUR', channel: 'web',
  item: { product_id: 'P0001', unit_price_minor: 12999 }, quantity: 1,
};
const options: CarrelloOptions = { endpoint: 'https://carrello.example', key: 'pub-0123456789abcdef', currency: 'EUR' };
const input: TrackInput = { type: 'cart.item_removed', cart_id: 'c', item: { product_id: 'P1', unit_price_minor: 1 }, quantity: 1 };

const client = new CollectorClient({ url: process.argv[2]!, key: '${INGEST}' });
const first = await client.send([event]);
const again = await client.send([event]);
const refused = await client.send([{ ...event, currency: 'XXX1' } as CartEvent]).catch((e: unknown) => e instanceof EventRefusedError && e.details.reason);
console.log(JSON.stringify({
  first, again, refused, valid: CartEventSchema.safeParse(event).success,
  producer: typeof CartEventProducer.create, browser: typeof createCarrello, options: options.currency, input: input.type,
}));
`;

describe('the package entries, imported by name from a project of its own', () => {
  it('runs carrello/producer (HTTP here) and loads carrello/browser', async () => {
    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    const app = await startApp({ CARRELLO_API_KEYS: `ingest:${INGEST}` });
    try {
      const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'consumer.ts', app.url], { cwd: project });
      expect(JSON.parse(stdout)).toEqual({
        first: { accepted: 1, rejected: [] },
        again: { accepted: 1, rejected: [] },
        refused: 'schema_violation',
        valid: true,
        producer: 'function',
        browser: 'function',
        options: 'EUR',
        input: 'cart.item_removed',
      });
      // Sent twice, stored once.
      expect((await app.warehouse.stats()).events_stored).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it('is typed: the consumer type-checks, and an event that breaks the contract does not', async () => {
    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    writeFileSync(
      join(project, 'wrong.ts'),
      `import type { CartEvent } from 'carrello/producer';\nexport const e: CartEvent = { type: 'cart.item_added', cart_id: 'c' };\n`,
    );
    const tsc = (files: string[]) =>
      run(
        process.execPath,
        [
          join(ROOT, 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--target',
          'es2023',
          '--module',
          'nodenext',
          '--allowImportingTsExtensions',
          '--types',
          'node',
          '--typeRoots',
          join(ROOT, 'node_modules/@types'),
          ...files,
        ],
        { cwd: project },
      ).then(
        () => '',
        (err: { stdout: string }) => err.stdout,
      );
    expect(await tsc(['consumer.ts'])).toBe('');
    expect(await tsc(['wrong.ts'])).toMatch(/wrong\.ts\(2,14\): error TS2322/);
  });
});
