import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KafkaLogGate } from './logGate.ts';

/** A gate writing to an array of parsed lines, its burst timer run by hand, its clock set by the test. */
function gateOnArray() {
  const lines: { level: string; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, { write: (s: string) => lines.push(JSON.parse(s)) });
  let now = 1_000;
  const gate = new KafkaLogGate(
    log,
    () => now,
    () => null,
  );
  return { gate, lines, at: (ms: number) => (now = ms), visible: () => lines.filter((l) => l.level !== 'debug') };
}

const notLeader = {
  level: 'error' as const,
  message: 'Response ListOffsets(key: 2, version: 3)',
  fields: { error: 'This server is not the leader for that topic-partition' },
};
const refused = {
  level: 'error' as const,
  message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9',
  fields: { broker: '127.0.0.1:9', stack: 'Error: …' },
};

describe('KafkaLogGate', () => {
  it('sums up a burst of transient answers as one warn with a count per kind', () => {
    const { gate, lines, visible } = gateOnArray();
    for (let i = 0; i < 4; i++) gate.write(notLeader);
    gate.write({ level: 'error', message: 'Response JoinGroup', fields: { error: 'The coordinator is not available' } });
    gate.flush();
    expect(visible().map((l) => [l.level, l.msg, l.count, l.by_kind])).toEqual([
      ['warn', 'Kafka: 5 transient answer(s) (leader elections, coordinator moves), retried', 5, { 'not the leader': 4, 'coordinator moving': 1 }],
    ]);
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(5);
  });

  it('logs an outage once when it starts and once when it ends, whatever the client logs in between', () => {
    const { gate, at, visible } = gateOnArray();
    for (let i = 0; i < 86; i++) gate.write(i % 3 === 2 ? { level: 'error', message: 'Crash: KafkaJSNumberOfRetriesExceeded', fields: {} } : refused);
    at(46_000);
    gate.write({ level: 'info', message: 'Starting', fields: {} });
    gate.write({ level: 'info', message: 'Consumer has joined the group', fields: {} });
    expect(visible().map((l) => [l.level, l.msg, l.down_ms ?? null, l.errors_held_back ?? null, 'stack' in l])).toEqual([
      [
        'error',
        'Kafka unreachable: Connection error: connect ECONNREFUSED 127.0.0.1:9; retrying (one line when it is back, the retries at debug)',
        null,
        null,
        false,
      ],
      ['info', 'Starting', null, null, false],
      ['info', 'Kafka reachable again', 45_000, 85, false],
      ['info', 'Consumer has joined the group', null, null, false],
    ]);
  });

  it('passes other errors as they are, and reachable() outside an outage says nothing', () => {
    const { gate, visible } = gateOnArray();
    gate.reachable();
    gate.write({ level: 'error', message: 'The request was rejected: SASL authentication failed', fields: {} });
    expect(visible().map((l) => [l.level, l.msg])).toEqual([['error', 'The request was rejected: SASL authentication failed']]);
  });
});
