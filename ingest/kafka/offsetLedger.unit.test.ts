import { describe, expect, it } from 'vitest';
import { OffsetLedger } from './offsetLedger.ts';

describe('OffsetLedger', () => {
  it('offers each partition its last durable offset + 1, once, with the highest watermark seen', () => {
    // given batches of two partitions taken and then written
    const l = new OffsetLedger();
    const e0 = l.epoch(0);
    const e3 = l.epoch(3);
    expect(l.toCommit()).toEqual([]);
    // when they become durable
    expect(l.durable(0, e0, 99n, 500n)).toBe(true);
    expect(l.durable(3, e3, 9n, 40n)).toBe(true);
    expect(l.durable(0, e0, 199n, 450n)).toBe(true);
    // then the next commit names the offset after each one's last message
    expect(l.toCommit()).toEqual([
      { partition: 0, offset: 200n, high: 500n },
      { partition: 3, offset: 10n, high: 40n },
    ]);
    l.committed(0, 200n);
    l.committed(3, 10n);
    expect(l.toCommit()).toEqual([]);
  });

  it('never commits past a failed batch: later batches of its epoch commit nothing, other partitions go on', () => {
    // given three batches of partition 1 in flight, and one of partition 2
    const l = new OffsetLedger();
    const e = l.epoch(1);
    const other = l.epoch(2);
    expect(l.durable(1, e, 49n, 1_000n)).toBe(true);
    // when the second fails, and the third (written after it) succeeds
    expect(l.failed(1, e, 50n)).toBe(50n);
    expect(l.failed(1, e, 150n)).toBe(null); // a later batch of the same epoch rewinds nothing more
    expect(l.durable(1, e, 149n, 1_000n)).toBe(false);
    expect(l.durable(2, other, 7n, 8n)).toBe(true);
    // then partition 1 offers nothing until a batch of the new epoch is durable
    expect(l.toCommit()).toEqual([{ partition: 2, offset: 8n, high: 8n }]);
    const next = l.epoch(1);
    expect(next).not.toBe(e);
    expect(l.durable(1, next, 99n, 1_000n)).toBe(true);
    expect(l.toCommit()).toEqual([
      { partition: 1, offset: 100n, high: 1_000n },
      { partition: 2, offset: 8n, high: 8n },
    ]);
  });

  it('a batch refused before its turn, failing after a later one, rewinds the partition further', () => {
    const l = new OffsetLedger();
    const e = l.epoch(0);
    expect(l.failed(0, e, 300n)).toBe(300n);
    expect(l.failed(0, e, 100n)).toBe(100n);
    const next = l.epoch(0);
    expect(l.durable(0, e, 399n, 400n)).toBe(false);
    expect(l.durable(0, next, 199n, 400n)).toBe(true);
    expect(l.toCommit()).toEqual([{ partition: 0, offset: 200n, high: 400n }]);
  });

  it('after a rebalance, batches taken before it commit nothing', () => {
    const l = new OffsetLedger();
    const e = l.epoch(5);
    l.reassigned();
    expect(l.durable(5, e, 10n, 20n)).toBe(false);
    expect(l.failed(5, e, 0n)).toBe(null);
    expect(l.toCommit()).toEqual([]);
    expect(l.durable(5, l.epoch(5), 10n, 20n)).toBe(true);
    expect(l.toCommit()).toEqual([{ partition: 5, offset: 11n, high: 20n }]);
  });
});
