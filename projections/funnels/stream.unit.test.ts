import { describe, expect, it } from 'vitest';
import { breakdownAt, buildStream, textColumn, type EventRows, type EventStream } from './stream.ts';

interface Row {
  entity: number;
  seq: number;
  t: number;
  bits: number;
  rid: number;
  value: string | null;
}

function rowsOf(list: readonly Row[]): EventRows {
  return {
    rows: list.length,
    entity: Float64Array.from(list, (r) => r.entity),
    seq: Float64Array.from(list, (r) => r.seq),
    t: Float64Array.from(list, (r) => r.t),
    bits: Float64Array.from(list, (r) => r.bits),
    rid: Float64Array.from(list, (r) => r.rid),
    breakdown: textColumn(list.map((r) => r.value)),
  };
}

/** Each entity's events as the matcher sees them, in stream order; entities sorted by their first event's rid. */
function entitiesOf(s: EventStream) {
  const out: { t: number; steps: number; moment: number; value: string | null }[][] = [];
  for (let e = 0; e < s.entities; e++) {
    const events = [];
    for (let i = s.offsets[e]!; i < s.offsets[e + 1]!; i++) events.push({ t: s.t[i]!, steps: s.steps[i]!, moment: s.moment[i]!, value: breakdownAt(s, i) });
    out.push(events);
  }
  return out.sort((a, b) => a[0]!.t - b[0]!.t || a.length - b.length);
}

// Three entities: A (sequenced, its clock going backwards once), B (two rows of one event: rid 20 twice),
// C (unsequenced, two events at one instant).
const A: Row[] = [
  { entity: 0, seq: 1, t: 1_000, bits: 1, rid: 1, value: 'web' },
  { entity: 0, seq: 2, t: 900, bits: 2, rid: 2, value: null },
  { entity: 0, seq: 3, t: 3_000, bits: 4, rid: 3, value: null },
];
const B: Row[] = [
  { entity: 1, seq: 1, t: 2_000, bits: 1, rid: 20, value: 'app' },
  { entity: 1, seq: 1, t: 2_000, bits: 2, rid: 20, value: null },
  { entity: 1, seq: 2, t: 2_500, bits: 4, rid: 21, value: null },
];
const C: Row[] = [
  { entity: 2, seq: -1, t: 1_500, bits: 1, rid: 30, value: 'store' },
  { entity: 2, seq: -1, t: 1_500, bits: 2, rid: 31, value: null },
];

describe('buildStream', () => {
  const sorted = buildStream(rowsOf([...A, ...B, ...C]), 1);

  it('orders each entity by seq, then time, and merges the rows of one event', () => {
    expect(sorted.entities).toBe(3);
    expect(entitiesOf(sorted)).toEqual([
      [
        { t: 1_000, steps: 1, moment: 0, value: 'web' },
        { t: 900, steps: 2, moment: 1, value: null },
        { t: 3_000, steps: 4, moment: 2, value: null },
      ],
      [
        { t: 1_500, steps: 1, moment: 0, value: 'store' },
        { t: 1_500, steps: 2, moment: 0, value: null },
      ],
      [
        { t: 2_000, steps: 3, moment: 0, value: 'app' },
        { t: 2_500, steps: 4, moment: 1, value: null },
      ],
    ]);
    expect([...sorted.monotone]).toEqual([0, 1, 1]);
  });

  it('takes rows grouped by entity, entities in any order (as ClickHouse sends them), in one pass to the same stream', () => {
    // given each entity's rows together and in order, the entities numbered out of order
    const grouped = buildStream(rowsOf([...C, ...A, ...B]), 1);
    // then the same entities and events, numbered in the order they came
    expect(entitiesOf(grouped)).toEqual(entitiesOf(sorted));
    expect(grouped.t[0]).toBe(1_500);
    expect([...grouped.monotone]).toEqual([1, 0, 1]);
  });

  it('sorts rows whose entity comes back after another, or whose entity is out of order', () => {
    const split = buildStream(rowsOf([A[0]!, ...B, A[1]!, A[2]!, ...C]), 1);
    expect(entitiesOf(split)).toEqual(entitiesOf(sorted));
    const shuffled = buildStream(rowsOf([A[2]!, C[1]!, B[1]!, A[0]!, C[0]!, B[2]!, A[1]!, B[0]!]), 1);
    expect(entitiesOf(shuffled)).toEqual(entitiesOf(sorted));
  });

  it('sorts long entities (beyond 32 rows) and many shuffled ones to the stream of their grouped, ordered rows', () => {
    // given 200 entities of 1 to 60 events (some sharing an instant, some of two rows), grouped and in order
    const grouped: Row[] = [];
    let rid = 0;
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let e = 0; e < 200; e++) {
      const n = 1 + Math.floor(next() * 60);
      const seq = e % 3 === 0 ? -1 : 0;
      for (let k = 0; k < n; k++) {
        const t = 1_000 + k * 10 - (k % 7 === 3 ? 10 : 0);
        rid += 1;
        grouped.push({ entity: e, seq: seq < 0 ? -1 : k, t, bits: 1 << (k % 3), rid, value: k === 0 ? `v${e}` : null });
        if (k % 5 === 4) grouped.push({ entity: e, seq: seq < 0 ? -1 : k, t, bits: 2, rid, value: null });
      }
    }
    const inOrder = grouped.slice().sort((a, b) => a.entity - b.entity || a.seq - b.seq || a.t - b.t || a.rid - b.rid);
    // when the same rows come shuffled
    const shuffled = grouped.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    // then both make the same stream, event for event
    const a = buildStream(rowsOf(inOrder), 1);
    const b = buildStream(rowsOf(shuffled), 1);
    expect(a.entities).toBe(200);
    expect(entitiesOf(b)).toEqual(entitiesOf(a));
    expect([...b.offsets]).toEqual([...a.offsets]);
    expect([...b.monotone]).toEqual([...a.monotone]);
  });
});
