import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { problemBody } from '../../api/problem.ts';
import type { ErrorCode } from '../../errors/carrelloError.ts';
import { validExamples } from '../contract/examples.ts';
import type { CartEvent } from '../contract/events.ts';
import { CollectorClient, CollectorRequestError } from './http.ts';

let server: Server | null = null;
afterEach(() => server?.close());

const REFUSALS: Record<number, ErrorCode> = { 413: 'body_too_large', 429: 'rate_limited', 503: 'overloaded' };

/** A stand-in collector (the real one cannot be told to refuse on cue) that answers each request with the next of `answers` and records the bodies. */
async function collector(answers: [number, Record<string, string>][]) {
  const bodies: string[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      const [status, headers] = answers.shift() ?? [202, {}];
      if (status === 202) {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ accepted: body.trim().split('\n').length, rejected: [] }));
        return;
      }
      // A refusal as carrello's collector writes it (problem+json, the code of its status).
      res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
      res.end(JSON.stringify(problemBody(REFUSALS[status]!, 'as told', '/v1/events')));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, bodies };
}

const events = validExamples()
  .slice(0, 3)
  .map((e) => JSON.parse(e.text) as CartEvent);

describe('CollectorClient (the producer SDK over HTTP)', () => {
  it('sends the same request again after a 503 and a 429, honouring Retry-After, until the 202', async () => {
    const { url, bodies } = await collector([
      [503, { 'retry-after': '0' }],
      [429, { 'retry-after': '0' }],
    ]);
    const result = await new CollectorClient({ url, minBackoffMs: 1 }).send(events);
    expect(result).toEqual({ accepted: 3, rejected: [] });
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
  });

  it('never retries a 4xx other than 429, and names what the collector said', async () => {
    const { url, bodies } = await collector([[413, {}]]);
    const err = await new CollectorClient({ url, minBackoffMs: 1 }).send(events).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorRequestError);
    expect([(err as CollectorRequestError).code, (err as CollectorRequestError).details, (err as Error).message]).toEqual([
      'collector_refused',
      { http_status: 413, collector_code: 'body_too_large' },
      'the collector refused the request: 413 body_too_large: as told',
    ]);
    expect(bodies).toHaveLength(1);
  });

  it('gives up after maxAttempts with the last answer named', async () => {
    const { url, bodies } = await collector([
      [503, {}],
      [503, {}],
      [503, {}],
    ]);
    await expect(new CollectorClient({ url, maxAttempts: 3, minBackoffMs: 1 }).send(events)).rejects.toThrow(
      /no 202 after 3 attempts; the last: 503 overloaded: as told/,
    );
    expect(bodies).toHaveLength(3);
  });

  it('splits into requests of batchSize, numbering refusals across them', async () => {
    const { url, bodies } = await collector([]);
    expect(await new CollectorClient({ url, batchSize: 2 }).send(events)).toEqual({ accepted: 3, rejected: [] });
    expect(bodies.map((b) => b.trim().split('\n').length)).toEqual([2, 1]);
  });
});
