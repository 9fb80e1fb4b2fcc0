import { describe, expect, it } from 'vitest';
import { Slots } from './slots.ts';

/** A task that ends when its `end` is called, recording the order of events. */
function gate(log: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((resolve) => {
    end = resolve;
  });
  const fn = async () => {
    log.push(`${name} runs`);
    await done;
    return name;
  };
  return { end, fn };
}

describe('Slots', () => {
  it('runs at most its count at once and hands freed slots to waiters first come, first served', async () => {
    const slots = new Slots(1);
    const log: string[] = [];
    const [a, b, c] = [gate(log, 'a'), gate(log, 'b'), gate(log, 'c')];
    const far = Date.now() + 60_000;
    const runs = [slots.run(far, a.fn), slots.run(far, b.fn), slots.run(far, c.fn)];
    await Promise.resolve();
    expect(log).toEqual(['a runs']);
    a.end();
    await runs[0];
    b.end();
    c.end();
    expect(await Promise.all(runs)).toEqual([{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    expect(log).toEqual(['a runs', 'b runs', 'c runs']);
  });

  it('gives up on a waiter at its deadline without running it, and the queue moves on', async () => {
    const slots = new Slots(1);
    const log: string[] = [];
    const [a, b, c] = [gate(log, 'a'), gate(log, 'b'), gate(log, 'c')];
    const held = slots.run(Date.now() + 60_000, a.fn);
    expect(await slots.run(Date.now() + 20, b.fn)).toBeUndefined();
    const next = slots.run(Date.now() + 60_000, c.fn);
    a.end();
    c.end();
    expect([await held, await next]).toEqual([{ value: 'a' }, { value: 'c' }]);
    expect(log).toEqual(['a runs', 'c runs']);
  });
});
