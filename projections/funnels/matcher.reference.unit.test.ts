import { describe, expect, it } from 'vitest';
import { EXCLUSION_SHIFT, NONE, type FunnelOrder } from './definition.ts';
import { FunnelMatcher, type EntityResult, type MatchSpec } from './matcher.ts';
import { breakdownAt, buildStream, textColumn, type EventStream } from './stream.ts';

/**
 * The matcher against a slow reference written straight from the definitions (every chain of events,
 * every order of simultaneous events), on thousands of small random entities: clock ties, skewed
 * sequences, events matching two steps, exclusions, windows and ranges.
 */

function reference(s: EventStream, e: number, spec: MatchSpec): EntityResult {
  const lo = s.offsets[e]!;
  const hi = s.offsets[e + 1]!;
  const idx = Array.from({ length: hi - lo }, (_, i) => lo + i);
  const startable = (i: number) =>
    (spec.order === 'unordered' ? s.steps[i] !== 0 : (s.steps[i]! & 1) !== 0) && s.t[i]! >= spec.startFromMs && s.t[i]! < spec.startToMs;
  const has = (i: number, k: number) => ((s.steps[i]! >> k) & 1) === 1;
  const inWindow = (i: number, start: number) => s.t[i]! - s.t[start]! <= spec.windowMs;

  /** For each depth k+1 reachable from start: the earliest moment its k-th step can happen. */
  function stepMoments(start: number): number[] {
    const best: number[] = [];
    const note = (k: number, m: number) => {
      if (best[k] === undefined || m < best[k]!) best[k] = m;
    };
    if (spec.order === 'ordered') {
      const walk = (chain: number[]) => {
        const last = chain[chain.length - 1]!;
        note(chain.length - 1, s.moment[last]!);
        if (chain.length === spec.steps) return;
        for (const i of idx) {
          if (chain.includes(i) || !has(i, chain.length) || !inWindow(i, start)) continue;
          if (!(i > last || s.moment[i] === s.moment[last])) continue;
          walk([...chain, i]);
        }
      };
      walk([start]);
    } else if (spec.order === 'strict') {
      // Every order of the events that keeps moments in place; the chain runs on consecutive events.
      // Of the chains, the deepest; then the one done first; then the one with the earliest steps.
      let chosen: number[] = [];
      for (const order of arrangements(idx, (i) => s.moment[i]!)) {
        const p = order.indexOf(start);
        const chain = [s.moment[start]!];
        for (let k = 1; k < spec.steps && p + k < order.length; k++) {
          const i = order[p + k]!;
          if (!has(i, k) || !inWindow(i, start)) break;
          chain.push(s.moment[i]!);
        }
        if (better(chain, chosen)) chosen = chain;
      }
      for (const [k, m] of chosen.entries()) note(k, m);
    } else {
      const window = idx.filter((i) => s.moment[i]! >= s.moment[start]! && inWindow(i, start));
      const moments = [...new Set(window.map((i) => s.moment[i]!))].sort((a, b) => a - b);
      for (const m of moments) {
        const size = maxMatching(
          window.filter((i) => s.moment[i]! <= m),
          spec.steps,
          has,
        );
        for (let k = 0; k < size; k++) note(k, m);
      }
    }
    return best;
  }

  function spoiled(start: number, moments: number[]): boolean {
    const depth = moments.length;
    return spec.exclusions.some(({ from, to }, x) => {
      if (depth - 1 < from) return false;
      return idx.some((i) => {
        if (((s.exclusions[i]! >> x) & 1) === 0 || s.moment[i]! <= moments[from]!) return false;
        return depth - 1 >= to ? s.moment[i]! < moments[to]! : inWindow(i, start);
      });
    });
  }

  let best: { start: number; moments: number[] } | null = null;
  let started = false;
  for (const start of idx.filter(startable)) {
    started = true;
    const moments = stepMoments(start);
    if (spoiled(start, moments)) continue;
    const d = moments.length;
    if (
      best === null ||
      d > best.moments.length ||
      (d === best.moments.length &&
        (moments[d - 1]! < best.moments[d - 1]! || (moments[d - 1] === best.moments[d - 1] && s.moment[start]! > s.moment[best.start]!)))
    ) {
      best = { start, moments };
    }
  }
  if (!best) return { counted: null, spoiled: started };
  const m0 = s.moment[best.start]!;
  const values = idx.filter((i) => s.moment[i] === m0 && startable(i)).map((i) => breakdownAt(s, i));
  const breakdown = values.reduce((a, b) => ((b ?? NONE) < (a ?? NONE) ? b : a));
  const timeAt = (m: number) => s.t[idx.find((i) => s.moment[i] === m)!]!;
  return { counted: { depth: best.moments.length, times: best.moments.map(timeAt), breakdown }, spoiled: false };
}

function better(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return a.length > b.length;
  if (a[a.length - 1] !== b[b.length - 1]) return a[a.length - 1]! < b[b.length - 1]!;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! < b[k]!;
  return false;
}

function maxMatching(events: number[], steps: number, has: (i: number, k: number) => boolean): number {
  const owner = new Array<number>(steps).fill(-1);
  let size = 0;
  for (const e of events) {
    const seen = new Set<number>();
    const augment = (ev: number): boolean => {
      for (let k = 0; k < steps; k++) {
        if (!has(ev, k) || seen.has(k)) continue;
        seen.add(k);
        if (owner[k] === -1 || augment(owner[k]!)) {
          owner[k] = ev;
          return true;
        }
      }
      return false;
    };
    if (augment(e)) size += 1;
  }
  return size;
}

/** Every permutation of xs that keeps the groups (by key, in order) where they are. */
function arrangements(xs: number[], key: (x: number) => number): number[][] {
  const groups: number[][] = [];
  for (const x of xs) {
    const last = groups[groups.length - 1];
    if (last && key(last[0]!) === key(x)) last.push(x);
    else groups.push([x]);
  }
  let out: number[][] = [[]];
  for (const g of groups) out = out.flatMap((prefix) => permutations(g).map((p) => [...prefix, ...p]));
  return out;
}

function permutations(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(seed: number, order: FunnelOrder) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const steps = 2 + Math.floor(r() * 3);
  // Each event matches a random set of steps (often one, sometimes two or none) and maybe an exclusion.
  const exclusionCount = order === 'unordered' ? (r() < 0.4 ? 1 : 0) : Math.floor(r() * 3);
  const exclusions = Array.from({ length: exclusionCount }, () => {
    if (order === 'unordered') return { from: 0, to: steps - 1 };
    const from = Math.floor(r() * (steps - 1));
    return { from, to: from + 1 + Math.floor(r() * (steps - 1 - from)) };
  });
  const entities = 6;
  const rows = { k1: [] as number[], seq: [] as number[], t: [] as number[], bits: [] as number[], rid: [] as number[], breakdown: [] as (string | null)[] };
  let rid = 0;
  for (let e = 0; e < entities; e++) {
    const sequenced = r() < 0.3;
    const n = 1 + Math.floor(r() * 9);
    for (let i = 0; i < n; i++) {
      let bits = 0;
      const roll = r();
      if (roll < 0.75) bits |= 1 << Math.floor(r() * steps);
      if (roll < 0.15) bits |= 1 << Math.floor(r() * steps);
      if (exclusionCount > 0 && r() < 0.2) bits = 1 << (EXCLUSION_SHIFT + Math.floor(r() * exclusionCount));
      rid += 1;
      if (bits === 0 && order !== 'strict') continue;
      rows.k1.push(e);
      rows.seq.push(sequenced ? i : -1);
      rows.t.push(1000 * pick([0, 0, 1, 2, 3, 5, 8, 9, 10, 12]));
      rows.bits.push(bits);
      rows.rid.push(rid);
      const startBits = order === 'unordered' ? (1 << steps) - 1 : 1;
      rows.breakdown.push((bits & startBits) !== 0 ? pick(['web', 'app', null]) : null);
    }
  }
  const stream = buildStream(
    {
      rows: rows.k1.length,
      entity: Float64Array.from(rows.k1),
      seq: Float64Array.from(rows.seq),
      t: Float64Array.from(rows.t),
      bits: Float64Array.from(rows.bits),
      rid: Float64Array.from(rows.rid),
      breakdown: textColumn(rows.breakdown),
    },
    order === 'unordered' ? (1 << steps) - 1 : 1,
  );
  const spec: MatchSpec = {
    order,
    steps,
    windowMs: 1000 * pick([1, 3, 5, 10, 100]),
    startFromMs: r() < 0.5 ? -Infinity : 1000 * pick([0, 1, 2]),
    startToMs: r() < 0.5 ? Infinity : 1000 * pick([3, 5, 9]),
    exclusions,
    breakdown: true,
  };
  return { stream, spec };
}

const SEEDS = Number(process.env.FUNNEL_REFERENCE_SEEDS ?? 500);

describe('the matcher agrees with a brute-force reference', () => {
  it.each(['ordered', 'strict', 'unordered'] as const)('%s funnels, 3,000 random entities', (order) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { stream, spec } = randomCase(seed * 7919 + order.length, order);
      const matcher = new FunnelMatcher(stream, spec);
      for (let e = 0; e < stream.entities; e++) {
        const got = matcher.match(e);
        const want = reference(stream, e, spec);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          const lo = stream.offsets[e]!;
          const hi = stream.offsets[e + 1]!;
          const events = Array.from({ length: hi - lo }, (_, i) => ({
            t: stream.t[lo + i],
            moment: stream.moment[lo + i],
            steps: stream.steps[lo + i],
            x: stream.exclusions[lo + i],
            bd: breakdownAt(stream, lo + i),
          }));
          expect({ seed, spec, monotone: stream.monotone[e], events, got }).toEqual({ seed, spec, monotone: stream.monotone[e], events, got: want });
        }
      }
    }
  });
});
