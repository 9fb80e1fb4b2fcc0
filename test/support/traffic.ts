import type { CartEvent } from '../../ingest/contract/events.ts';
import type { InboundMessage } from '../../ingest/pipeline/message.ts';
import { Rng } from '../../ingest/simulator/prng.ts';
import { DEFAULT_SIMULATION, Simulation } from '../../ingest/simulator/simulation.ts';

/**
 * Simulated shop traffic, disturbed the ways real producers disturb it: lost adds (anomalies), carts
 * without sequence or with it on some events only, producer clocks that run backwards along the
 * sequence, bursts in one millisecond, and arrival order unlike emission order. Deterministic per seed.
 */
export function disturbedTraffic(opts: { seed: string; startMs: number; days: number; cartsPerDay: number }): CartEvent[] {
  const rng = new Rng(`${opts.seed}/disturb`);
  const sim = new Simulation(opts.startMs, { ...DEFAULT_SIMULATION, seed: opts.seed, cartsPerDay: opts.cartsPerDay });
  const byCart = new Map<string, CartEvent[]>();
  for (const m of sim.until(opts.startMs + opts.days * 86_400_000)) {
    const e = m.body as CartEvent;
    let list = byCart.get(e.cart_id);
    if (!list) {
      list = [];
      byCart.set(e.cart_id, list);
    }
    list.push(e);
  }
  const noSequence = (e: CartEvent) => {
    const { sequence: _s, ...rest } = e;
    return rest as CartEvent;
  };
  const sent: CartEvent[] = [];
  for (const cart of byCart.values()) {
    const r = rng.next();
    let kept = cart;
    if (r < 0.06) kept = cart.filter((e) => !(e.type === 'cart.item_added' && rng.chance(0.4)));
    else if (r < 0.14) kept = cart.map(noSequence);
    else if (r < 0.18) kept = cart.map((e, i) => (i % 2 === 1 ? noSequence(e) : e));
    else if (r < 0.24 && cart.length > 2) {
      const i = rng.int(1, cart.length - 1);
      kept = cart.map((e, n) => (n === i ? { ...e, occurred_at: new Date(Date.parse(cart[0]!.occurred_at) - 60_000).toISOString() } : e));
    } else if (r < 0.28) kept = cart.map((e) => ({ ...e, occurred_at: cart[0]!.occurred_at }));
    sent.push(...kept);
  }
  for (let i = sent.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [sent[i], sent[j]] = [sent[j]!, sent[i]!];
  }
  return sent;
}

export function messagesOf(events: readonly CartEvent[], receivedAtMs: number): InboundMessage[] {
  return events.map((e) => {
    const text = JSON.stringify(e);
    return { raw: Buffer.from(text), parsed: { json: e, text }, source: 'test', sourceRef: null, receivedAtMs };
  });
}
