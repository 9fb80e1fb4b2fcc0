/**
 * A custom funnel, as the projection takes it. docs/funnels.md explains each field to its readers;
 * the API validates requests (api/routes/funnels.ts) and hands this over with every default resolved.
 */

export type FunnelOrder = 'ordered' | 'strict' | 'unordered';
export type FunnelEntity = 'cart' | 'customer';
export type FunnelBreakdown = 'channel' | 'campaign' | 'currency';

/** Which events a step (or an exclusion) matches: the type, and when given, the product or category. */
export interface EventFilter {
  type: string;
  product_id?: string | undefined;
  category?: string | undefined;
}

export interface FunnelExclusion extends EventFilter {
  /** Step indexes (0-based) [i, j], i < j: such an event strictly between the attempt's steps i and j spoils it. */
  between: readonly [number, number];
}

export interface FunnelDefinition {
  steps: readonly EventFilter[];
  windowMs: number;
  order: FunnelOrder;
  exclusions: readonly FunnelExclusion[];
  entity: FunnelEntity;
  /** Attempts whose first event occurred in [fromMs, toMs) count; later steps may come after toMs. */
  fromMs: number;
  toMs: number;
  /** Only events with occurred_at ≤ asOfMs exist for the answer. */
  asOfMs: number;
  breakdown?: FunnelBreakdown | undefined;
}

export const MIN_STEPS = 2;
export const MAX_STEPS = 20;
export const MAX_EXCLUSIONS = 10;
export const MIN_WINDOW_MS = 1_000;
export const MAX_WINDOW_MS = 90 * 86_400_000;
export const DEFAULT_WINDOW_SECONDS = 1_209_600;
/** Breakdown values beyond the largest 25 (by entities entering) are summed up as "(other)". */
export const MAX_BREAKDOWN_VALUES = 25;
export const NONE = '(none)';
export const OTHER = '(other)';

/**
 * One bit per step (bits 0–19) and per exclusion (bits 20–29), so an event's matches travel as one
 * integer from the warehouse to the matcher.
 */
export const EXCLUSION_SHIFT = 20;
export const STEP_MASK = (1 << EXCLUSION_SHIFT) - 1;

/** True when every event the second filter matches, the first one matches too. */
export function covers(broad: EventFilter, narrow: EventFilter): boolean {
  return (
    broad.type === narrow.type &&
    (broad.product_id === undefined || broad.product_id === narrow.product_id) &&
    (broad.category === undefined || broad.category === narrow.category)
  );
}

/** A short human name for a step: `cart.item_added (category garden)`. */
export function describe(filter: EventFilter): string {
  const details = [
    filter.product_id === undefined ? null : `product ${filter.product_id}`,
    filter.category === undefined ? null : `category ${filter.category}`,
  ].filter((d) => d !== null);
  return details.length === 0 ? filter.type : `${filter.type} (${details.join(', ')})`;
}

/**
 * The checks that the request schema cannot express alone, as [path, message] pairs (empty when the
 * definition is sound). The API turns them into 400 answers naming the field.
 */
export function definitionProblems(d: Pick<FunnelDefinition, 'steps' | 'exclusions' | 'order'>): [string, string][] {
  const problems: [string, string][] = [];
  const last = d.steps.length - 1;
  d.exclusions.forEach((x, n) => {
    const [i, j] = x.between;
    if (!(i < j)) problems.push([`exclusions.${n}.between`, 'the first step index must be smaller than the second']);
    else if (j > last) problems.push([`exclusions.${n}.between`, `step indexes go from 0 to ${last}`]);
    else if (d.order === 'unordered' && (i !== 0 || j !== last)) {
      problems.push([`exclusions.${n}.between`, `an unordered funnel takes exclusions over the whole funnel only: [0, ${last}]`]);
    } else if (d.steps.slice(i, j + 1).some((s) => covers(s, x))) {
      problems.push([`exclusions.${n}`, 'every event this exclusion matches is also a step between the same steps; it would spoil every attempt']);
    }
  });
  return problems;
}
