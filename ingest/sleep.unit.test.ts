import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.ts';

describe('sleep', () => {
  it('leaves no abort listener behind on the signal after waits that ran out', async () => {
    // Given one long-lived signal, as the demo feed's ticks share one
    const stop = new AbortController();
    // when it is slept on 20 times to the end
    for (let i = 0; i < 20; i++) await sleep(1, stop.signal);
    // then nothing is left listening (the feed used to leave one per tick: a MaxListeners warning at 11)
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('ends at once when the signal aborts, and when it was aborted already', async () => {
    const stop = new AbortController();
    const waiting = sleep(3_600_000, stop.signal);
    stop.abort();
    await waiting;
    await sleep(3_600_000, stop.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
