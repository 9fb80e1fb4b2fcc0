import { describe, expect, it } from 'vitest';
import { runToy, type ToyEvent } from '../../test/support/toyFunnel.ts';

/**
 * Cases from PostHog's funnel test suites (posthog/hogql_queries/insights/funnels/test/), rewritten for
 * the toy runner with their expected answers: our funnels must agree with theirs. Events that PostHog's
 * tests create without a timestamp happen one second apart here, in the order they are created.
 */

/** Events one second apart, in the order given. */
const inOrder = (...types: string[]): ToyEvent[] => types.map((type, i) => [type, i]);
const HOUR = 3600;
const DAY = 86_400;

describe('ordered funnels (test_funnel.py)', () => {
  it('advanced funnel with repeat steps', () => {
    const steps = ['user signed up', '$pageview', '$pageview', '$pageview', '$pageview'];
    const result = runToy(
      { steps },
      {
        stopped_after_signup1: inOrder('user signed up'),
        stopped_after_pageview1: inOrder('user signed up', '$pageview'),
        stopped_after_pageview2: inOrder('user signed up', '$pageview', 'blaah blaa', '$pageview'),
        stopped_after_pageview3: inOrder('user signed up', '$pageview', 'blaah blaa', '$pageview', '$pageview', 'blaah blaa'),
        stopped_after_pageview4: inOrder('user signed up', '$pageview', '$pageview', '$pageview', '$pageview'),
      },
    );
    expect(result.counts).toEqual([5, 4, 3, 2, 1]);
  });

  it('advanced funnel with repeat steps, out of order events', () => {
    const steps = ['user signed up', '$pageview', '$pageview', '$pageview', '$pageview'];
    const result = runToy(
      { steps },
      {
        person1: inOrder('$pageview', 'user signed up'),
        person2: inOrder('user signed up', '$pageview'),
        person3: inOrder('$pageview', 'user signed up', 'blaah blaa', '$pageview'),
        person4: inOrder('blaah blaa', '$pageview', 'blaah blaa', '$pageview', 'user signed up', '$pageview'),
        person5: inOrder('user signed up', '$pageview', 'blaah blaa', '$pageview', '$pageview', '$pageview'),
        person6: inOrder('$pageview', 'blaah blaa', '$pageview', '$pageview', '$pageview'),
      },
    );
    expect(result.counts).toEqual([5, 4, 1, 1, 1]);
    expect(result.reached).toMatchObject({ person1: 1, person2: 2, person3: 2, person4: 2, person5: 5, person6: 0 });
  });

  it('basic funnel with repeat steps: one event cannot be two steps', () => {
    const result = runToy(
      { steps: ['user signed up', 'user signed up'] },
      {
        stopped_after_signup1: inOrder('user signed up', 'user signed up'),
        stopped_after_signup2: inOrder('user signed up'),
      },
    );
    expect(result.counts).toEqual([2, 1]);
  });

  it('funnel with matching properties', () => {
    // $current_url stands in as the category filter
    const steps = [
      { type: 'user signed up' },
      { type: '$pageview', category: 'aloha.com' },
      { type: '$pageview', category: 'aloha2.com' },
      { type: '$pageview', category: 'aloha2.com' },
      { type: '$pageview' },
    ];
    const pv = (url?: string): [string, { category?: string }] => ['$pageview', url ? { category: url } : {}];
    const journey = (...events: [string, { category?: string }][]): ToyEvent[] => events.map(([type, extra], i) => [type, i, extra]);
    const result = runToy(
      { steps },
      {
        stopped_after_signup1: journey(['user signed up', {}]),
        stopped_after_pageview1: journey(['user signed up', {}], pv('aloha.com')),
        stopped_after_pageview2: journey(['user signed up', {}], pv('aloha.com'), ['blaah blaa', {}], pv('aloha2.com')),
        stopped_after_pageview3: journey(['user signed up', {}], pv('aloha.com'), pv('aloha2.com'), pv('aloha2.com'), ['blaah blaa', {}]),
        stopped_after_pageview4: journey(['user signed up', {}], pv('aloha.com'), ['blaah blaa', {}], pv('aloha2.com'), pv('aloha.com'), pv('aloha2.com')),
      },
    );
    expect(result.counts).toEqual([5, 4, 3, 2, 0]);
  });

  it('funnel conversion window', () => {
    const people: Record<string, ToyEvent[]> = {};
    for (let i = 0; i < 10; i++)
      people[`user_${i}`] = [
        ['step one', '2021-05-01 00:00:00'],
        ['step two', '2021-05-02 00:00:00'],
      ];
    for (let i = 10; i < 25; i++)
      people[`user_${i}`] = [
        ['step one', '2021-05-01 00:00:00'],
        ['step two', '2021-05-10 00:00:00'],
      ];
    const result = runToy({ steps: ['step one', 'step two', 'step three'], window: 7 * DAY }, people);
    expect(result.counts).toEqual([25, 10, 0]);
  });

  it('funnel with different actions at the same time count as converted', () => {
    const result = runToy(
      { steps: ['sign up', '$pageview'] },
      {
        person1: [
          ['sign up', '2020-01-03 00:00:00'],
          ['$pageview', '2020-01-03 00:00:00'],
        ],
        person2: [['sign up', '2020-01-03 00:00:00']],
      },
    );
    expect(result.counts).toEqual([2, 1]);
  });
});

describe('exclusions (test_funnel.py)', () => {
  const paid = { steps: ['user signed up', 'paid'], exclusions: [{ type: 'x', between: [0, 1] as [number, number] }] };

  it('exclusion with no end event: discarded within the window, kept beyond it', () => {
    const result = runToy(
      { ...paid, window: DAY },
      {
        person1: [
          ['user signed up', '2021-05-01 01:00:00'],
          ['paid', '2021-05-01 02:00:00'],
        ],
        person2: [
          ['user signed up', '2021-05-01 03:00:00'],
          ['x', '2021-05-01 03:30:00'],
          ['paid', '2021-05-01 04:00:00'],
        ],
        person3: [
          ['user signed up', '2021-05-01 05:00:00'],
          ['x', '2021-05-01 06:00:00'],
        ],
        person4: [
          ['user signed up', '2021-05-01 07:00:00'],
          ['x', '2021-05-02 08:00:00'],
        ],
      },
    );
    expect(result.counts).toEqual([2, 1]);
    expect(result.reached).toEqual({ person1: 2, person2: 'spoiled', person3: 'spoiled', person4: 1 });
  });

  it('multiple possible attempts, no end event (1): the later clean attempt counts', () => {
    const funnel = { steps: ['step one', 'step two'], window: 10, exclusions: [{ type: 'exclusion', between: [0, 1] as [number, number] }] };
    const result = runToy(funnel, {
      user_one: [
        ['step one', '2021-05-01 00:00:00'],
        ['exclusion', '2021-05-01 00:00:01'],
        ['step one', '2021-05-01 00:00:31'],
      ],
    });
    expect(result.counts).toEqual([1, 0]);
  });

  it('multiple possible attempts, no end event (2): the earlier attempt is clean, its window over', () => {
    const funnel = { steps: ['step one', 'step two'], window: 10, exclusions: [{ type: 'exclusion', between: [0, 1] as [number, number] }] };
    const result = runToy(funnel, {
      user_one: [
        ['step one', '2021-05-01 00:00:00'],
        ['step one', '2021-05-01 00:00:31'],
        ['exclusion', '2021-05-01 00:00:32'],
      ],
    });
    expect(result.counts).toEqual([1, 0]);
  });

  it('multiple possible attempts, no end event (3): every attempt spoiled, counted nowhere', () => {
    const funnel = { steps: ['step one', 'step two'], window: 10, exclusions: [{ type: 'exclusion', between: [0, 1] as [number, number] }] };
    const result = runToy(funnel, {
      user_one: [
        ['step one', '2021-05-01 00:00:00'],
        ['step one', '2021-05-01 00:00:01'],
        ['exclusion', '2021-05-01 00:00:02'],
      ],
    });
    expect(result.counts).toEqual([0, 0]);
    expect(result.reached).toEqual({ user_one: 'spoiled' });
  });

  it('exclusions over the full window', () => {
    const result = runToy(
      { ...paid, exclusions: [{ type: 'x 1 name with numbers 2', between: [0, 1] }] },
      {
        person1: [
          ['user signed up', '2021-05-01 01:00:00'],
          ['paid', '2021-05-01 02:00:00'],
        ],
        person2: [
          ['user signed up', '2021-05-01 03:00:00'],
          ['x 1 name with numbers 2', '2021-05-01 03:30:00'],
          ['paid', '2021-05-01 04:00:00'],
        ],
        person3: [
          ['user signed up', '2021-05-01 05:00:00'],
          ['paid', '2021-05-01 06:00:00'],
        ],
      },
    );
    expect(result.counts).toEqual([2, 2]);
  });

  describe('advanced funnel exclusions between steps', () => {
    const steps = ['user signed up', '$pageview', 'insight viewed', 'invite teammate', 'pageview2'];
    const day = (hm: string) => `2021-05-01 ${hm}:00`;
    const people: Record<string, ToyEvent[]> = {
      person1: [
        ['user signed up', day('01:00')],
        ['$pageview', day('02:00')],
        ['x', day('03:00')],
        ['insight viewed', day('04:00')],
        ['x', day('04:30')],
        ['invite teammate', day('05:00')],
        ['x', day('05:30')],
        ['pageview2', day('06:00')],
      ],
      person2: [
        ['user signed up', day('01:00')],
        ['$pageview', day('02:00')],
        ['insight viewed', day('04:00')],
        ['x', day('04:30')],
        ['invite teammate', day('05:00')],
        ['x', day('05:30')],
        ['pageview2', day('06:00')],
      ],
      person3: [
        ['user signed up', day('01:00')],
        ['x', day('01:30')],
        ['$pageview', day('02:00')],
        ['insight viewed', day('04:00')],
        ['invite teammate', day('05:00')],
        ['x', day('05:30')],
        ['pageview2', day('06:00')],
      ],
    };
    it.each([
      [[0, 1], { person1: 5, person2: 5, person3: 'spoiled' }],
      [[1, 2], { person1: 'spoiled', person2: 5, person3: 5 }],
      [[2, 3], { person1: 'spoiled', person2: 'spoiled', person3: 5 }],
      [[3, 4], { person1: 'spoiled', person2: 'spoiled', person3: 'spoiled' }],
      [[1, 3], { person1: 'spoiled', person2: 'spoiled', person3: 5 }],
    ] as const)('x between steps %j', (between, reached) => {
      const result = runToy({ steps, exclusions: [{ type: 'x', between: [between[0], between[1]] }] }, people);
      expect(result.reached).toEqual(reached);
    });
  });

  it('advanced funnel with multiple exclusions between steps', () => {
    const steps = ['user signed up', '$pageview', 'insight viewed', 'invite teammate', 'pageview2'];
    const day = (hm: string) => `2021-05-01 ${hm}:00`;
    const exclusions = [
      { type: 'x', between: [0, 1] as [number, number] },
      { type: 'y', between: [2, 3] as [number, number] },
    ];
    const result = runToy(
      { steps, exclusions },
      {
        person1: [
          ['user signed up', day('01:00')],
          ['x', day('02:00')],
          ['$pageview', day('03:00')],
          ['insight viewed', day('04:00')],
          ['y', day('04:30')],
          ['invite teammate', day('05:00')],
          ['pageview2', day('06:00')],
        ],
        person2: [
          ['user signed up', day('01:00')],
          ['y', day('01:30')],
          ['$pageview', day('02:00')],
          ['insight viewed', day('04:00')],
          ['y', day('04:30')],
          ['invite teammate', day('05:00')],
          ['x', day('05:30')],
          ['pageview2', day('06:00')],
        ],
        person3: [
          ['user signed up', day('01:00')],
          ['x', day('01:30')],
          ['$pageview', day('02:00')],
          ['insight viewed', day('04:00')],
          ['invite teammate', day('05:00')],
          ['x', day('05:30')],
          ['pageview2', day('06:00')],
        ],
        person4: [
          ['user signed up', day('01:00')],
          ['$pageview', day('02:00')],
          ['insight viewed', day('04:00')],
          ['invite teammate', day('05:00')],
          ['pageview2', day('06:00')],
        ],
      },
    );
    expect(result.counts).toEqual([1, 1, 1, 1, 1]);
    expect(result.reached).toEqual({ person1: 'spoiled', person2: 'spoiled', person3: 'spoiled', person4: 5 });
  });
});

describe('strict funnels (test_funnel_strict.py)', () => {
  it('basic strict funnel', () => {
    const result = runToy(
      { steps: ['user signed up', '$pageview', 'insight viewed'], order: 'strict' },
      {
        stopped_after_signup1: inOrder('user signed up'),
        stopped_after_pageview1: inOrder('$pageview', 'user signed up'),
        stopped_after_insightview: inOrder('user signed up', '$pageview', 'blaah blaa', 'insight viewed'),
        stopped_after_insightview2: inOrder('insight viewed', 'blaah blaa', '$pageview', 'user signed up'),
        stopped_after_insightview3: inOrder('$pageview', 'user signed up', 'blaah blaa', '$pageview', 'insight viewed'),
        person6: inOrder('blaah blaa', 'user signed up', 'blaah blaa', '$pageview'),
        person7: inOrder('blaah blaa', 'user signed up', '$pageview', 'insight viewed', 'blaah blaa'),
        stopped_after_insightview6: inOrder('insight viewed', '$pageview'),
      },
    );
    expect(result.counts).toEqual([7, 2, 1]);
  });

  it('strict breakdown: an event in between breaks the chain, times from the clean one', () => {
    const result = runToy(
      { steps: ['sign up', 'play movie'], order: 'strict', window: 7 * DAY },
      {
        person1: [
          ['sign up', '2020-01-01 12:00:00'],
          ['blah', '2020-01-01 13:00:00'],
          ['play movie', '2020-01-01 14:00:00'],
        ],
        person2: [
          ['sign up', '2020-01-02 13:00:00'],
          ['play movie', '2020-01-02 14:00:00'],
        ],
      },
    );
    expect(result.reached).toEqual({ person1: 1, person2: 2 });
    expect(result.steps[1]).toMatchObject({ count: 1, average_seconds_from_previous: 3600, median_seconds_from_previous: 3600 });
  });
});

describe('unordered funnels (test_funnel_unordered.py)', () => {
  const people = {
    stopped_after_signup1: inOrder('user signed up'),
    stopped_after_pageview1: inOrder('$pageview', 'user signed up'),
    stopped_after_insightview: inOrder('user signed up', '$pageview', 'blaah blaa', 'insight viewed'),
    stopped_after_insightview2: inOrder('insight viewed', '$pageview', 'user signed up'),
    stopped_after_insightview3: inOrder('$pageview', 'user signed up', 'blaah blaa', 'insight viewed'),
    stopped_after_insightview4: inOrder('blaah blaa', 'insight viewed'),
    stopped_after_insightview5: inOrder('$pageview', 'blaah blaa'),
    stopped_after_insightview6: inOrder('insight viewed', '$pageview'),
  };

  it('basic unordered funnel', () => {
    const result = runToy({ steps: ['user signed up', '$pageview', 'insight viewed'], order: 'unordered' }, people);
    expect(result.counts).toEqual([8, 5, 3]);
  });

  it('big multi-step unordered funnel', () => {
    const result = runToy(
      { steps: ['user signed up', '$pageview', 'insight viewed', 'crying'], order: 'unordered' },
      {
        stopped_after_signup1: inOrder('user signed up'),
        stopped_after_pageview1: inOrder('$pageview', 'crying'),
        stopped_after_insightview: inOrder('user signed up', '$pageview', 'blaah blaa', 'insight viewed'),
        stopped_after_insightview2: inOrder('insight viewed', 'crying', 'user signed up'),
        stopped_after_insightview3: inOrder('$pageview', 'user signed up', 'crying', 'insight viewed'),
        stopped_after_insightview4: inOrder('blaah blaa', 'insight viewed'),
        stopped_after_insightview5: inOrder('$pageview', 'blaah blaa'),
        stopped_after_insightview6: inOrder('insight viewed', '$pageview'),
      },
    );
    expect(result.counts).toEqual([8, 5, 3, 1]);
  });

  it('basic unordered funnel conversion times: the first conversion counts', () => {
    const result = runToy(
      { steps: ['user signed up', '$pageview', 'insight viewed'], order: 'unordered', window: DAY },
      {
        stopped_after_signup1: [['user signed up', '2021-05-02 00:00:00']],
        stopped_after_pageview1: [
          ['$pageview', '2021-05-02 00:00:00'],
          ['user signed up', '2021-05-02 01:00:00'],
        ],
        stopped_after_insightview: [
          ['insight viewed', '2021-05-02 00:00:00'],
          ['user signed up', '2021-05-02 02:00:00'],
          ['$pageview', '2021-05-02 04:00:00'],
          ['$pageview', '2021-05-03 00:00:00'],
          ['insight viewed', '2021-05-03 03:00:00'],
          ['user signed up', '2021-05-03 06:00:00'],
        ],
      },
    );
    expect(result.counts).toEqual([3, 2, 1]);
    expect(result.steps.map((s) => s.average_seconds_from_previous)).toEqual([null, 5400, 7200]);
  });

  it('exclusions over the full window', () => {
    const result = runToy(
      { steps: ['user signed up', 'paid'], order: 'unordered', exclusions: [{ type: 'x', between: [0, 1] }] },
      {
        person1: [
          ['user signed up', '2021-05-01 01:00:00'],
          ['paid', '2021-05-01 02:00:00'],
        ],
        person2: [
          ['user signed up', '2021-05-01 03:00:00'],
          ['x', '2021-05-01 03:30:00'],
          ['paid', '2021-05-01 04:00:00'],
        ],
        person3: [
          ['user signed up', '2021-05-01 05:00:00'],
          ['paid', '2021-05-01 06:00:00'],
        ],
      },
    );
    expect(result.counts).toEqual([3, 2]);
  });

  it('exclusion after completion', () => {
    const result = runToy(
      { steps: ['user signed up', 'paid', 'left'], order: 'unordered', exclusions: [{ type: 'x', between: [0, 2] }] },
      {
        person1: [
          ['user signed up', '2021-05-01 01:00:00'],
          ['paid', '2021-05-01 02:00:00'],
          ['left', '2021-05-01 03:00:00'],
          ['x', '2021-05-01 04:00:00'],
          ['left', '2021-05-01 05:00:00'],
        ],
      },
    );
    expect(result.counts).toEqual([1, 1, 1]);
  });
});

describe('conversion times (conversion_time_cases.py)', () => {
  it('funnel step conversion times: average and median per step', () => {
    const result = runToy(
      { steps: ['sign up', 'play movie', 'buy'], window: 7 * DAY },
      {
        person1: [
          ['sign up', '2020-01-01 12:00:00'],
          ['play movie', '2020-01-01 13:00:00'],
          ['buy', '2020-01-01 15:00:00'],
        ],
        person2: [
          ['sign up', '2020-01-02 14:00:00'],
          ['play movie', '2020-01-02 16:00:00'],
        ],
        person3: [
          ['sign up', '2020-01-02 14:00:00'],
          ['play movie', '2020-01-02 16:00:00'],
          ['buy', '2020-01-02 17:00:00'],
        ],
      },
    );
    expect(result.steps.map((s) => s.average_seconds_from_previous)).toEqual([null, 6000, 5400]);
    expect(result.steps.map((s) => s.median_seconds_from_previous)).toEqual([null, 7200, 5400]);
  });

  it('funnel with multiple incomplete tries: the complete one gives the times', () => {
    const result = runToy(
      { steps: ['user signed up', '$pageview', 'something else'], window: DAY },
      {
        person1: [
          ['user signed up', '2021-05-01 01:00:00'],
          ['$pageview', '2021-05-01 02:00:00'],
          ['something else', '2021-05-01 03:00:00'],
          ['user signed up', '2021-05-03 04:00:00'],
          ['$pageview', '2021-05-03 05:00:00'],
          ['user signed up', '2021-05-04 07:00:00'],
          ['$pageview', '2021-05-04 10:00:00'],
        ],
      },
    );
    expect(result.counts).toEqual([1, 1, 1]);
    expect(result.steps[1]).toMatchObject({ average_seconds_from_previous: HOUR, median_seconds_from_previous: HOUR });
  });

  it('funnel times with different conversion windows', () => {
    const people: Record<string, ToyEvent[]> = {
      stopped_after_signup1: [
        ['user signed up', '2020-01-02 14:00:00'],
        ['pageview', '2020-01-02 14:05:00'],
      ],
      stopped_after_signup2: [['user signed up', '2020-01-02 14:03:00']],
      stopped_after_signup3: [
        ['user signed up', '2020-01-02 12:00:00'],
        ['pageview', '2020-01-02 12:15:00'],
      ],
    };
    const twoWeeks = runToy({ steps: ['user signed up', 'pageview'], window: 14 * DAY }, people);
    expect(twoWeeks.counts).toEqual([3, 2]);
    expect(twoWeeks.steps[1]!.average_seconds_from_previous).toBe(600);
    const fiveMinutes = runToy({ steps: ['user signed up', 'pageview'], window: 5 * 60 }, people);
    expect(fiveMinutes.counts).toEqual([3, 1]);
    expect(fiveMinutes.steps[1]!.average_seconds_from_previous).toBe(300);
  });
});
