import { describe, expect, it } from 'vitest';
import { GroupLeadership } from './leadership.ts';

describe('group leadership: the worker holding partition 0', () => {
  it('leads while it holds partition 0 and its heartbeats are recent, and hands over on revocation', () => {
    let now = 1_000;
    const l = new GroupLeadership(5_000, () => now);
    expect(l.active()).toBe(false);
    expect(l.signal.aborted).toBe(true);
    l.assigned([1, 3]);
    expect(l.active()).toBe(false);
    l.assigned([0, 2]);
    expect(l.active()).toBe(true);
    const term = l.signal;
    expect(term.aborted).toBe(false);
    now += 4_000;
    l.heartbeat();
    now += 4_000;
    expect(l.active()).toBe(true);
    // A rebalance starts: the term ends at once.
    l.lose();
    expect(l.active()).toBe(false);
    expect(term.aborted).toBe(true);
    l.assigned([1]);
    expect(l.active()).toBe(false);
  });

  it('pauses while heartbeats are older than the fence, and leads again in a new term when they come back', () => {
    let now = 0;
    const l = new GroupLeadership(5_000, () => now);
    l.assigned([0]);
    const first = l.signal;
    now = 5_001;
    expect(l.active()).toBe(false);
    expect(first.aborted).toBe(true);
    l.heartbeat();
    expect(l.active()).toBe(true);
    expect(l.signal).not.toBe(first);
    expect(l.signal.aborted).toBe(false);
  });
});
