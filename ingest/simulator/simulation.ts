import type { CartEvent } from '../contract/events.ts';
import { buildCatalogue, type Product } from './catalogue.ts';
import { Rng } from './prng.ts';
import { generateCart, type ShopContext } from './shopper.ts';

const DAY = 86_400_000;

/** A message the simulator sends: usually a valid event, sometimes a resent or a broken one. */
export interface SimMessage {
  at: number;
  body: CartEvent | Record<string, unknown>;
}

export interface SimulationOptions {
  seed: string;
  /** New carts per day (default 400). Adjustable later with setCartsPerDay(). */
  cartsPerDay: number;
  /** Share of events resent with the same event_id, as at-least-once producers do (default 0). */
  duplicateRate: number;
  /** Share of events followed by a broken copy, to exercise rejection (default 0). */
  invalidRate: number;
  catalogueSize: number;
  customerPool: number;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  seed: 'carrello',
  cartsPerDay: 400,
  duplicateRate: 0,
  invalidRate: 0,
  catalogueSize: 300,
  customerPool: 5_000,
};

/** Mean events per cart in this model, measured over 30 simulated days; used to turn a rate of events into carts. */
export const MEAN_EVENTS_PER_CART = 5.7;

// More carts in the evening and at weekends, few at night.
const HOURLY = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1, 1, 1.1, 1, 0.9, 0.9, 1, 1.2, 1.5, 1.7, 1.6, 1.2, 0.8, 0.4];

/**
 * Shop traffic in time order. Carts arrive as a Poisson process shaped by the hour of day; each
 * arriving cart's whole story is drawn at once and its events wait in a heap until their time.
 * Deterministic for a seed and a start time.
 */
export class Simulation {
  readonly catalogue: readonly Product[];
  private readonly rng: Rng;
  private readonly ctx: ShopContext;
  private readonly heap = new MessageHeap();
  private nextArrival: number;
  private cartsPerDay: number;
  private counter = 0;
  cartsStarted = 0;

  constructor(
    startMs: number,
    private readonly opts: SimulationOptions = DEFAULT_SIMULATION,
  ) {
    this.rng = new Rng(opts.seed);
    this.catalogue = buildCatalogue(new Rng(`${opts.seed}/catalogue`), opts.catalogueSize);
    this.ctx = { rng: this.rng, catalogue: this.catalogue, customerPool: opts.customerPool };
    this.cartsPerDay = opts.cartsPerDay;
    this.nextArrival = startMs;
    this.scheduleArrival();
  }

  setCartsPerDay(n: number): void {
    this.cartsPerDay = n;
  }

  /** Every message due at or before `untilMs`, in time order. */
  *until(untilMs: number): Generator<SimMessage> {
    for (;;) {
      const top = this.heap.peekAt() ?? Infinity;
      // An arriving cart's first event is at its arrival time, so arrivals go before later events.
      if (this.nextArrival <= untilMs && this.nextArrival <= top) this.arrive();
      else if (top <= untilMs) yield this.heap.pop()!;
      else return;
    }
  }

  private arrive(): void {
    const story = generateCart(this.ctx, this.nextArrival);
    this.cartsStarted += 1;
    for (const event of story.events) {
      const at = Date.parse(event.occurred_at);
      this.push(at, event);
      if (this.rng.chance(this.opts.duplicateRate)) this.push(at + this.rng.int(50, 5_000), event);
      if (this.rng.chance(this.opts.invalidRate)) this.push(at + 1, this.corrupt(event));
    }
    this.scheduleArrival();
  }

  private scheduleArrival(): void {
    // Thinning: draw candidates at the peak rate, keep each with probability shape(hour) / peak.
    const peak = Math.max(...HOURLY);
    const meanShape = HOURLY.reduce((a, b) => a + b, 0) / HOURLY.length;
    const candidateGap = (DAY * meanShape) / (this.cartsPerDay * peak);
    for (;;) {
      this.nextArrival += Math.max(1, Math.round(this.rng.exp(candidateGap)));
      const hour = new Date(this.nextArrival).getUTCHours();
      if (this.rng.next() < HOURLY[hour]! / peak) return;
    }
  }

  private push(at: number, body: SimMessage['body']): void {
    this.heap.push({ at, body }, this.counter++);
  }

  /** A broken copy of a real event, the way faulty producers break them. */
  private corrupt(event: CartEvent): Record<string, unknown> {
    const copy: Record<string, unknown> = structuredClone(event);
    copy.event_id = this.rng.uuid();
    const how = this.rng.int(0, 4);
    if (how === 0) delete copy.cart_id;
    else if (how === 1) copy.currency = 'EURO';
    else if (how === 2) copy.occurred_at = '26/11/2026 10:00';
    else if (how === 3) copy.type = 'cart.item_viewed';
    else copy.channel = 'fax';
    return copy;
  }
}

/** Min-heap on (at, insertion order), so equal times keep a deterministic order. */
class MessageHeap {
  private items: { msg: SimMessage; n: number }[] = [];

  push(msg: SimMessage, n: number): void {
    const a = this.items;
    a.push({ msg, n });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  peekAt(): number | undefined {
    return this.items[0]?.msg.at;
  }

  pop(): SimMessage | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top.msg;
  }
}

function less(x: { msg: SimMessage; n: number }, y: { msg: SimMessage; n: number }): boolean {
  return x.msg.at < y.msg.at || (x.msg.at === y.msg.at && x.n < y.n);
}
