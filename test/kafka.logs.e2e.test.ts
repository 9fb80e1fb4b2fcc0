import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { unique, waitFor } from './support/kafkaTest.ts';
import { closedPort, startCarrello, type CarrelloProcess } from './support/process.ts';

// What an operator reads at start-up in Kafka mode: errors only for what is wrong.
const brokers = inject('kafkaBrokers');
const dir = mkdtempSync(join(tmpdir(), 'carrello-kafka-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Line = { level: string; msg: string; [k: string]: unknown };
const logLines = (p: CarrelloProcess): Line[] =>
  p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
const running = async (p: CarrelloProcess) => {
  const health = (await (await fetch(`${p.url}/healthz`)).json()) as { worker?: { status: string; partitions: number[] } };
  return health.worker?.status === 'running' && health.worker.partitions.length > 0;
};
async function stop(p: CarrelloProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

describe.skipIf(brokers === null)('Kafka-mode logs', () => {
  it('a normal start (new topics, leaders being elected) logs no error', async () => {
    const server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'normal.duckdb')}`], {
      KAFKA_BROKERS: brokers!,
      CARRELLO_KAFKA_TOPIC: unique('logs'),
      CARRELLO_KAFKA_GROUP_ID: unique('g'),
    });
    try {
      await waitFor('the worker consuming', () => running(server));
    } finally {
      await stop(server);
    }
    expect(logLines(server).filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a broker away at start is one error when it starts and one info when it is back', async () => {
    // given a broker address nothing answers on yet
    const port = await closedPort();
    const [host, brokerPort] = brokers!.split(',')[0]!.split(':');
    const server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'outage.duckdb')}`], {
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      CARRELLO_KAFKA_TOPIC: unique('logs'),
      CARRELLO_KAFKA_GROUP_ID: unique('g'),
    });
    let proxy: Server | undefined;
    try {
      // when the worker has failed to connect and given up once (kafkajs retried every request first)
      await waitFor('a first failed start of the consumer', () => logLines(server).some((l) => l.msg === 'cannot start consuming yet; retrying'));
      // and the address then leads to the broker (which advertises its own address from there on)
      proxy = createServer((socket) => {
        const upstream = connect(Number(brokerPort), host);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
      await waitFor('the worker consuming', () => running(server), 120_000);
    } finally {
      await stop(server);
      await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    }
    // then the outage is one error line and one info line, and what the client said in between is counted
    const lines = logLines(server);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      `Kafka unreachable: Connection error: connect ECONNREFUSED 127.0.0.1:${port}; retrying (one line when it is back, the retries at debug)`,
    ]);
    const back = lines.filter((l) => l.msg === 'Kafka reachable again');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: 'info' });
    expect(back[0]!.errors_held_back).toBeGreaterThan(0);
    expect(lines.filter((l) => l.msg === 'cannot start consuming yet; retrying')).toHaveLength(1);
  });
});
