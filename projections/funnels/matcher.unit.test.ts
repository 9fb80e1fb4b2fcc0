import { describe, expect, it } from 'vitest';
import { at, runToy } from '../../test/support/toyFunnel.ts';

const DAY = 86_400;
const ADD = 'cart.item_added';
const CHECKOUT = 'cart.checkout_started';
const ORDER = 'order.placed';
const REMOVE = 'cart.item_removed';
const CHANGE = 'cart.item_quantity_changed';
const buy = { steps: [ADD, CHECKOUT, ORDER] };

describe('ordered funnels', () => {
  it('takes each next step at or after the previous one, whatever comes between', () => {
    // given a cart that adds, changes a quantity, removes, checks out, adds again, then orders
    const result = runToy(buy, {
      c1: [
        [ADD, 0],
        [CHANGE, 10],
        [REMOVE, 20],
        [CHECKOUT, 30],
        [ADD, 40],
        [ORDER, 50],
      ],
      c2: [
        [CHECKOUT, 0],
        [ORDER, 10],
        [ADD, 20],
      ],
    });
    // then the first cart converts; the second entered (its add) but did nothing after
    expect(result.reached).toEqual({ c1: 3, c2: 1 });
    expect(result.counts).toEqual([2, 1, 1]);
    expect(result.steps.map((s) => s.median_seconds_from_previous)).toEqual([null, 30, 20]);
  });

  it('counts events at the same instant as in order, whichever way the tie falls', () => {
    // given a checkout stored before the add it shares a millisecond with
    const result = runToy(buy, {
      c1: [
        [CHECKOUT, 5],
        [ADD, 5],
        [ORDER, 6],
      ],
    });
    // then the checkout still follows the add
    expect(result.reached).toEqual({ c1: 3 });
    expect(result.counted.c1!.times).toEqual([at(5), at(5), at(6)]);
  });

  it('never lets one event stand for two steps', () => {
    // given a funnel that repeats its first step
    const twice = { steps: [ADD, ADD, CHECKOUT] };
    // when carts add once, or twice (at the same instant or not), then check out
    const result = runToy(twice, {
      once: [
        [ADD, 0],
        [CHECKOUT, 10],
      ],
      twice: [
        [ADD, 0],
        [ADD, 1],
        [CHECKOUT, 10],
      ],
      together: [
        [ADD, 3],
        [ADD, 3],
        [CHECKOUT, 10],
      ],
    });
    // then a single add reaches step 1 only
    expect(result.reached).toEqual({ once: 1, twice: 3, together: 3 });
  });

  it('does not let one event match a broad step and a narrower one after it', () => {
    // given "added anything, then added something from the garden"
    const garden = { steps: [ADD, { type: ADD, category: 'garden' }] };
    const result = runToy(garden, {
      one: [[ADD, 0, { category: 'garden' }]],
      two: [
        [ADD, 0, { category: 'paint' }],
        [ADD, 5, { category: 'garden' }],
      ],
      // the garden add is stored first within the instant; the paint add can still open the attempt
      sameInstant: [
        [ADD, 7, { category: 'garden' }],
        [ADD, 7, { category: 'paint' }],
      ],
    });
    expect(result.reached).toEqual({ one: 1, two: 2, sameInstant: 2 });
  });

  it('counts a step exactly window_seconds after the first one, and not a millisecond later', () => {
    const oneHour = { steps: [ADD, CHECKOUT], window: 3600 };
    const result = runToy(oneHour, {
      onTheBoundary: [
        [ADD, 0],
        [CHECKOUT, 3600],
      ],
      justLate: [
        [ADD, 0],
        [CHECKOUT, 3600.001],
      ],
    });
    expect(result.reached).toEqual({ onTheBoundary: 2, justLate: 1 });
  });

  it('starts a new attempt at every first-step event, and the one that gets furthest counts', () => {
    // given a cart that added 10 days before its checkout (beyond the 7-day window), and again a day before
    const week = { ...buy, window: 7 * DAY };
    const result = runToy(week, {
      c1: [
        [ADD, 0],
        [ADD, 9 * DAY],
        [CHECKOUT, 10 * DAY],
        [ORDER, 10 * DAY + 60],
      ],
    });
    // then the second attempt converts, and its times are the ones reported
    expect(result.reached).toEqual({ c1: 3 });
    expect(result.steps.map((s) => s.median_seconds_from_previous)).toEqual([null, DAY, 60]);
  });

  it('of several attempts reaching as far, takes the first to get there, then the one that started last', () => {
    // given adds at 0 and 100, a checkout at 200 (both attempts reach it together), an order at 300
    const result = runToy(buy, {
      c1: [
        [ADD, 0],
        [ADD, 100],
        [CHECKOUT, 200],
        [ORDER, 300],
      ],
    });
    // then the latest add counts: 100 s to checkout (PostHog's choice too)
    expect(result.steps.map((s) => s.median_seconds_from_previous)).toEqual([null, 100, 100]);
  });

  it('counts an entity whose attempts only ever reach step 1, once', () => {
    const result = runToy(buy, {
      c1: [
        [ADD, 0, { channel: 'web' }],
        [ADD, 10, { channel: 'app' }],
      ],
    });
    expect(result.reached).toEqual({ c1: 1 });
    // and its first attempt is the one it counts with
    expect(result.counted.c1!.breakdown).toBe('web');
  });

  it('bounds only the first step by from/to: a cart entering in range converts after `to`', () => {
    const range = { ...buy, from: '2021-05-01 00:00:00', to: '2021-05-02 00:00:00' };
    const result = runToy(range, {
      // entered in range, checked out and ordered the next days (within the 14-day window)
      convertsLater: [
        [ADD, '2021-05-01 23:00:00'],
        [CHECKOUT, '2021-05-02 09:00:00'],
        [ORDER, '2021-05-03 09:00:00'],
      ],
      // entered before the range: not counted, even though it checked out in range
      enteredBefore: [
        [ADD, '2021-04-30 23:00:00'],
        [CHECKOUT, '2021-05-01 01:00:00'],
      ],
      // `to` is exclusive
      enteredAtTo: [
        [ADD, '2021-05-02 00:00:00'],
        [CHECKOUT, '2021-05-02 01:00:00'],
      ],
      // `from` is inclusive
      enteredAtFrom: [[ADD, '2021-05-01 00:00:00']],
    });
    expect(result.reached).toEqual({ convertsLater: 3, enteredBefore: 0, enteredAtTo: 0, enteredAtFrom: 1 });
  });

  it('orders a cart by its sequence when every event has one, even against its clock', () => {
    // given a checkout service whose clock runs 2 s behind the cart service
    const result = runToy(buy, {
      c1: [
        [ADD, 10, { seq: 0 }],
        [CHECKOUT, 8, { seq: 1 }],
        [ORDER, 9, { seq: 2 }],
      ],
      c2: [
        [ADD, 10],
        [CHECKOUT, 8],
        [ORDER, 9],
      ],
    });
    // then the sequenced cart converts (times as recorded); the other, ordered by its clock, does not
    expect(result.reached).toEqual({ c1: 3, c2: 1 });
    expect(result.counted.c1!.times).toEqual([at(10), at(8), at(9)]);
  });
});

describe('strict funnels', () => {
  const strict = { ...buy, order: 'strict' as const };

  it('breaks the chain at any other event', () => {
    const result = runToy(strict, {
      straight: [
        [ADD, 0],
        [CHECKOUT, 10],
        [ORDER, 20],
      ],
      changedQuantity: [
        [ADD, 0],
        [CHANGE, 5],
        [CHECKOUT, 10],
        [ORDER, 20],
      ],
      addedAgain: [
        [ADD, 0],
        [CHECKOUT, 10],
        [ADD, 15],
        [ORDER, 20],
      ],
    });
    expect(result.reached).toEqual({ straight: 3, changedQuantity: 1, addedAgain: 2 });
  });

  it('restarts the chain at a later first step', () => {
    const result = runToy(strict, {
      c1: [
        [ADD, 0],
        [REMOVE, 5],
        [ADD, 10],
        [CHECKOUT, 20],
        [ORDER, 30],
      ],
    });
    expect(result.reached).toEqual({ c1: 3 });
    expect(result.steps.map((s) => s.median_seconds_from_previous)).toEqual([null, 10, 10]);
  });

  it('takes events of one instant in any order, but every one of them must fit the chain to go on', () => {
    const result = runToy(strict, {
      // a quantity change at the checkout's instant: the chain goes add, checkout; the change breaks it after
      changeWithCheckout: [
        [ADD, 0],
        [CHANGE, 10],
        [CHECKOUT, 10],
        [ORDER, 20],
      ],
      // a quantity change at the add's instant can go before the add
      changeWithAdd: [
        [CHANGE, 0],
        [ADD, 0],
        [CHECKOUT, 10],
        [ORDER, 20],
      ],
      // checkout and order at one instant, stored in the "wrong" order
      sameInstant: [
        [ADD, 0],
        [ORDER, 10],
        [CHECKOUT, 10],
      ],
    });
    expect(result.reached).toEqual({ changeWithCheckout: 2, changeWithAdd: 3, sameInstant: 3 });
  });
});

describe('unordered funnels', () => {
  const anyOrder = { ...buy, order: 'unordered' as const };

  it('counts how many different steps were done, in any order, within one window', () => {
    const result = runToy(
      { ...anyOrder, window: 3600 },
      {
        reversed: [
          [ORDER, 0],
          [CHECKOUT, 10],
          [ADD, 20],
        ],
        twoSteps: [
          [CHECKOUT, 0],
          [CHECKOUT, 5],
          [ADD, 10],
        ],
        apart: [
          [ADD, 0],
          [CHECKOUT, 7200],
          [ORDER, 10_000],
        ],
        sameStepOnly: [
          [ADD, 0],
          [ADD, 10],
        ],
      },
    );
    expect(result.reached).toEqual({ reversed: 3, twoSteps: 2, apart: 2, sameStepOnly: 1 });
    expect(result.steps.map((s) => s.name)).toEqual(['completed 1 of 3 steps', 'completed 2 of 3 steps', 'completed 3 of 3 steps']);
  });

  it('lets an event matching two steps count as either, not both', () => {
    const steps = [ADD, { type: ADD, category: 'garden' }];
    const result = runToy(
      { steps, order: 'unordered' },
      {
        one: [[ADD, 0, { category: 'garden' }]],
        // the garden add comes first and could take either step: the paint add takes the other
        two: [
          [ADD, 0, { category: 'garden' }],
          [ADD, 5, { category: 'paint' }],
        ],
      },
    );
    expect(result.reached).toEqual({ one: 1, two: 2 });
  });
});

describe('exclusions', () => {
  const noRemoval = { ...buy, exclusions: [{ type: REMOVE, between: [1, 2] as [number, number] }] };

  it('spoil an attempt when strictly between its steps i and j, and only that attempt', () => {
    const result = runToy(noRemoval, {
      // removed between checkout and order: spoiled; nothing else started
      between: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 15],
        [ORDER, 20],
      ],
      // removed before the checkout: outside [checkout, order]
      before: [
        [ADD, 0],
        [REMOVE, 5],
        [CHECKOUT, 10],
        [ORDER, 20],
      ],
      // removed at the order's very instant: not strictly between
      sameInstant: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 20],
        [ORDER, 20],
      ],
      // the spoiled attempt is not the only one: a later add starts a clean attempt
      retried: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 15],
        [ORDER, 20],
        [ADD, 30],
        [CHECKOUT, 40],
      ],
    });
    expect(result.reached).toEqual({ between: 'spoiled', before: 3, sameInstant: 3, retried: 2 });
    expect(result.counts).toEqual([3, 3, 2]);
  });

  it('are judged against the first event that can be each step, as PostHog does', () => {
    const result = runToy(noRemoval, {
      // the attempt takes the first checkout; the removal after it spoils the attempt, second checkout or not
      checkedOutAgain: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 15],
        [CHECKOUT, 18],
        [ORDER, 20],
      ],
      // a new add after the removal starts a clean attempt
      addedAgain: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 15],
        [ADD, 16],
        [CHECKOUT, 18],
        [ORDER, 20],
      ],
    });
    expect(result.reached).toEqual({ checkedOutAgain: 'spoiled', addedAgain: 3 });
  });

  it('spoil an attempt that never reached step j when within its window after step i', () => {
    const hourly = { ...noRemoval, window: 3600 };
    const result = runToy(hourly, {
      abandoned: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 3000],
      ],
      removedLater: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 3601],
      ],
    });
    expect(result.reached).toEqual({ abandoned: 'spoiled', removedLater: 2 });
  });

  it('count an entity at the deepest step a clean attempt reaches, even when a spoiled one went further', () => {
    // PostHog drops such a person altogether (its UDF keeps the deepest attempt, spoiled or not);
    // the carrello spec counts the clean attempt.
    const result = runToy(noRemoval, {
      c1: [
        [ADD, 0],
        [CHECKOUT, 10],
        [REMOVE, 15],
        [ORDER, 20],
        [ADD, 100],
        [CHECKOUT, 110],
      ],
    });
    expect(result.reached).toEqual({ c1: 2 });
  });

  it('apply to strict and unordered funnels alike', () => {
    const strict = runToy(
      { ...noRemoval, order: 'strict' },
      {
        c1: [
          [ADD, 0],
          [CHECKOUT, 10],
          [REMOVE, 15],
        ],
      },
    );
    expect(strict.reached).toEqual({ c1: 'spoiled' });
    const anyOrder = runToy(
      { ...buy, order: 'unordered', exclusions: [{ type: REMOVE, between: [0, 2] }] },
      {
        // removed after one step, then did the other two: the attempt from the removal on is clean
        c1: [
          [CHECKOUT, 0],
          [REMOVE, 5],
          [ORDER, 10],
          [ADD, 20],
        ],
        // did all three before removing: the removal came after the attempt was complete
        c2: [
          [CHECKOUT, 0],
          [ORDER, 10],
          [ADD, 20],
          [REMOVE, 25],
        ],
      },
    );
    expect(anyOrder.reached).toEqual({ c1: 2, c2: 3 });
  });
});

describe('breakdown values', () => {
  it('come from the first event of the attempt the entity counts with', () => {
    const result = runToy(buy, {
      // the app attempt converts; the earlier web one does not reach as far
      c1: [
        [ADD, 0, { channel: 'web' }],
        [ADD, 50 * DAY, { channel: 'app' }],
        [CHECKOUT, 50 * DAY + 10],
      ],
      // two adds at one instant: the smaller value counts
      c2: [
        [ADD, 0, { channel: 'web' }],
        [ADD, 0, { channel: 'app' }],
      ],
    });
    expect(result.counted.c1!.breakdown).toBe('app');
    expect(result.counted.c2!.breakdown).toBe('app');
  });
});

describe('the worked example of docs/funnels.md', () => {
  const example = {
    A: [
      [ADD, '2026-03-02 09:00:00'],
      [ADD, '2026-03-02 09:10:00'],
      [CHECKOUT, '2026-03-02 09:40:00'],
      [ORDER, '2026-03-02 09:45:00'],
    ],
    B: [
      [ADD, '2026-03-02 18:00:00'],
      [ADD, '2026-03-03 18:30:00'],
      [CHECKOUT, '2026-03-03 19:00:00'],
    ],
    C: [
      [ADD, '2026-03-02 10:00:00'],
      [REMOVE, '2026-03-02 10:02:00'],
    ],
  } satisfies Record<string, [string, string][]>;

  it('gives the answer the page shows', () => {
    const result = runToy({ ...buy, window: DAY }, example);
    expect(result.reached).toEqual({ A: 3, B: 2, C: 1 });
    expect(result.steps.map((s) => [s.count, s.conversion_from_previous, s.conversion_from_first, s.median_seconds_from_previous])).toEqual([
      [3, null, 1, null],
      [2, 0.666667, 0.666667, 1800],
      [1, 0.5, 0.333333, 300],
    ]);
  });

  it('and with the removal excluded between steps 0 and 1, leaves cart C out', () => {
    const result = runToy({ ...buy, window: DAY, exclusions: [{ type: REMOVE, between: [0, 1] }] }, example);
    expect(result.reached).toEqual({ A: 3, B: 2, C: 'spoiled' });
    expect(result.counts).toEqual([2, 2, 1]);
  });
});
