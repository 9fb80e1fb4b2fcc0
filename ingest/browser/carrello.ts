/**
 * carrello's browser SDK: cart events from a shop's pages to `POST /v1/events` with a public key.
 *
 * Served by carrello as an ES module at /sdk/carrello.js (this file with its types erased, see serve.ts)
 * and importable as `carrello/browser`. It imports nothing at run time: only types from the contract.
 *
 * - Every event gets its `event_id` here (crypto.randomUUID), so a batch sent twice (a retry, a beacon
 *   racing a fetch) is stored once: the collector deduplicates by event_id.
 * - A per-cart `sequence` (kept in sessionStorage, or localStorage when asked) orders a cart's events.
 * - Batches go one at a time (a cart's events leave in the order they were tracked), as `text/plain` so
 *   that no preflight is needed, with the public key in the URL (`?key=`), which is all sendBeacon can send.
 * - Network errors, 5xx and 429 are retried with exponential backoff and jitter, honouring Retry-After;
 *   any other 4xx is the page's mistake and is never retried (onError hears of it).
 * - On `pagehide` and `visibilitychange: hidden`, what is queued (and the batch in flight) leaves by
 *   navigator.sendBeacon; its answer cannot be read by the page.
 * - No cookie; localStorage only for an anonymous id when asked (`anonymousId: 'local'`).
 */
import type { CartEvent, Item, OrderLine } from '../contract/events.ts';

export type { CartEvent, Item, OrderLine };
export type Consent = { marketing: boolean };
export type Channel = CartEvent['channel'];

type Filled = 'event_id' | 'schema_version' | 'occurred_at' | 'sequence' | 'currency' | 'channel' | 'consent' | 'customer_id' | 'anonymous_id' | 'session_id';
/** An event as a page tracks it: the envelope is filled by the SDK, and any field of it given here wins. */
export type TrackInput = CartEvent extends infer E ? (E extends CartEvent ? Omit<E, Filled> & Partial<Pick<E, Filled>> : never) : never;

export interface CarrelloOptions {
  /** carrello's base URL, e.g. `https://carrello.shop.example` (events go to `${endpoint}/v1/events`). */
  endpoint: string;
  /** A `public` key of CARRELLO_API_KEYS: it only sends events, from the origins the collector lists. */
  key: string;
  /** ISO 4217 code put on every event that does not name its own. */
  currency: string;
  /** Default `web`. */
  channel?: Channel;
  /** Consent put on every event from now on (setConsent changes it); none: events carry no consent. */
  consent?: Consent | null;
  customerId?: string | null;
  sessionId?: string | null;
  /** `'local'`: an id kept in localStorage (the only thing this SDK stores for longer than a tab); a string: that id; default none. */
  anonymousId?: 'local' | string | null;
  /** Where per-cart sequences are kept: `session` (default, per tab) or `local` (shared by the tabs of the origin). */
  sequenceStorage?: 'session' | 'local';
  /** Events per request (default 20, at most 1,000 as the collector allows). */
  batchSize?: number;
  /** Longest wait before a batch that is not full is sent (default 1,000 ms). */
  flushMs?: number;
  /** Most events held; a track() beyond it is dropped and reported (default 1,000). */
  maxQueue?: number;
  /** Attempts per batch before it is given up and reported (default 10). */
  maxAttempts?: number;
  /** First backoff (default 500 ms), doubling up to maxBackoffMs (default 30 s), each drawn with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Hears of what did not go: `{code, status?, detail?, events}`. */
  onError?: (error: CarrelloError) => void;
}

export interface CarrelloError {
  /** `refused` (a 4xx), `rejected` (202 but some events refused by the contract), `gave_up`, `queue_full`. */
  code: 'refused' | 'rejected' | 'gave_up' | 'queue_full';
  status?: number;
  detail?: string;
  events: readonly CartEvent[];
}

export interface Carrello {
  /** Queues an event with its envelope filled; returns it as it will be sent. */
  track(event: TrackInput): CartEvent;
  itemAdded(cartId: string, item: Item, quantity?: number): CartEvent;
  itemRemoved(cartId: string, item: Item, quantity: number): CartEvent;
  quantityChanged(cartId: string, item: Item, fromQuantity: number, toQuantity: number): CartEvent;
  checkoutStarted(cartId: string, cartValueMinor?: number): CartEvent;
  orderPlaced(cartId: string, orderId: string, totalMinor: number, items: OrderLine[]): CartEvent;
  setConsent(consent: Consent | null): void;
  setCustomerId(customerId: string | null): void;
  /** Sends what is queued now; resolves when every batch was accepted, refused or given up. */
  flush(): Promise<void>;
  /** Hands what is queued to sendBeacon (what pagehide does). */
  beacon(): void;
  /** Events queued or in flight. */
  readonly pending: number;
  /** Removes the page listeners; queued events stay until flush() or beacon(). */
  shutdown(): void;
}

/** sendBeacon refuses bodies past the browser's keepalive quota (64 KiB in Chromium): beacons stay under it. */
const BEACON_MAX_BYTES = 60_000;

export function createCarrello(options: CarrelloOptions): Carrello {
  const batchSize = Math.min(Math.max(1, options.batchSize ?? 20), 1_000);
  const flushMs = options.flushMs ?? 1_000;
  const maxQueue = options.maxQueue ?? 1_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const minBackoff = options.minBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const report = options.onError ?? (() => {});
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/events?key=${encodeURIComponent(options.key)}`;
  const sequences = counters(options.sequenceStorage === 'local' ? 'localStorage' : 'sessionStorage');
  const anonymousId = options.anonymousId === 'local' ? localAnonymousId() : (options.anonymousId ?? null);
  let consent = options.consent ?? null;
  let customerId = options.customerId ?? null;

  let queue: CartEvent[] = [];
  /** The batch being sent by fetch; a beacon takes it along, and its retries then stop. */
  let inflight: CartEvent[] | null = null;
  let handedToBeacon = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pumping: Promise<void> | null = null;

  const onHide = () => beacon();
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') beacon();
  };
  addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', onVisibility);

  function track(input: TrackInput): CartEvent {
    const event = {
      event_id: crypto.randomUUID(),
      schema_version: 1,
      occurred_at: new Date().toISOString(),
      currency: options.currency,
      channel: options.channel ?? 'web',
      customer_id: customerId,
      anonymous_id: anonymousId,
      session_id: options.sessionId ?? null,
      ...(consent ? { consent: { ...consent } } : {}),
      ...input,
    } as CartEvent;
    if (event.sequence === undefined) event.sequence = sequences.next(event.cart_id);
    if (queue.length + (inflight?.length ?? 0) >= maxQueue) {
      report({ code: 'queue_full', detail: `more than ${maxQueue} events waiting (maxQueue); this one is dropped`, events: [event] });
      return event;
    }
    queue.push(event);
    if (queue.length >= batchSize) void flush();
    else timer ??= setTimeout(() => void flush(), flushMs);
    return event;
  }

  function flush(): Promise<void> {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pumping ??= pump().finally(() => {
      pumping = null;
    });
    return pumping;
  }

  async function pump(): Promise<void> {
    // INVARIANT: one batch at a time, taken from the head, so a cart's events are sent in tracked order.
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      inflight = batch;
      handedToBeacon = false;
      await send(batch);
      inflight = null;
    }
  }

  async function send(batch: CartEvent[]): Promise<void> {
    const body = JSON.stringify(batch);
    for (let attempt = 1; ; attempt++) {
      let res: Response | null = null;
      try {
        // A string body is sent as text/plain: a simple request, no preflight. keepalive lets it finish after the page goes.
        res = await fetch(url, { method: 'POST', body, credentials: 'omit', keepalive: body.length <= BEACON_MAX_BYTES });
      } catch {
        res = null; // the network, or a refused CORS answer: the same to a page, and worth another try
      }
      if (res?.ok) {
        const answer = (await res.json().catch(() => null)) as { rejected?: { index: number; reason: string }[] } | null;
        const rejected = answer?.rejected ?? [];
        if (rejected.length > 0)
          report({
            code: 'rejected',
            status: res.status,
            detail: rejected.map((r) => `#${r.index}: ${r.reason}`).join(', '),
            events: rejected.map((r) => batch[r.index]!),
          });
        return;
      }
      if (res !== null && res.status < 500 && res.status !== 429) {
        report({ code: 'refused', status: res.status, detail: await problemDetail(res), events: batch });
        return;
      }
      if (handedToBeacon) return;
      if (attempt >= maxAttempts) {
        report({ code: 'gave_up', status: res?.status, detail: `no answer accepted after ${attempt} attempts`, events: batch });
        return;
      }
      await sleep(retryAfterMs(res) ?? backoff(attempt));
      if (handedToBeacon) return;
    }
  }

  function backoff(attempt: number): number {
    const ceiling = Math.min(maxBackoff, minBackoff * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2); // jitter, so that many pages do not retry in step
  }

  function retryAfterMs(res: Response | null): number | null {
    const header = res?.headers.get('retry-after');
    if (!header) return null;
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(header) - Date.now();
    return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), maxBackoff) : null;
  }

  function beacon(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const events = [...(inflight ?? []), ...queue];
    if (events.length === 0 || typeof navigator.sendBeacon !== 'function') return;
    const left: CartEvent[] = [];
    for (const chunk of chunks(events)) {
      // A string is sent as text/plain;charset=UTF-8, which needs no preflight. The answer is never seen.
      if (!navigator.sendBeacon(url, JSON.stringify(chunk))) left.push(...chunk);
    }
    // The batch in flight stops retrying only if its beacon went; a refused one keeps its own retries.
    const sent = inflight;
    if (sent !== null && !left.some((e) => sent.includes(e))) handedToBeacon = true;
    queue = left.filter((e) => !sent?.includes(e));
  }

  return {
    track,
    itemAdded: (cart_id, item, quantity = 1) => track({ type: 'cart.item_added', cart_id, item, quantity }),
    itemRemoved: (cart_id, item, quantity) => track({ type: 'cart.item_removed', cart_id, item, quantity }),
    quantityChanged: (cart_id, item, from_quantity, to_quantity) => track({ type: 'cart.item_quantity_changed', cart_id, item, from_quantity, to_quantity }),
    checkoutStarted: (cart_id, cart_value_minor) =>
      track({ type: 'cart.checkout_started', cart_id, ...(cart_value_minor === undefined ? {} : { cart_value_minor }) }),
    orderPlaced: (cart_id, order_id, total_minor, items) => track({ type: 'order.placed', cart_id, order_id, total_minor, items }),
    setConsent: (c) => {
      consent = c;
    },
    setCustomerId: (id) => {
      customerId = id;
    },
    flush,
    beacon,
    get pending() {
      return queue.length + (inflight?.length ?? 0);
    },
    shutdown: () => {
      removeEventListener('pagehide', onHide);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}

/** Cuts events into beacon-sized bodies (an event alone larger than the quota still goes alone, and is left if refused). */
function chunks(events: CartEvent[]): CartEvent[][] {
  const out: CartEvent[][] = [];
  let current: CartEvent[] = [];
  let bytes = 2;
  for (const e of events) {
    const size = new TextEncoder().encode(JSON.stringify(e)).length + 1;
    if (current.length > 0 && (bytes + size > BEACON_MAX_BYTES || current.length >= 1_000)) {
      out.push(current);
      current = [];
      bytes = 2;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Per-cart sequence numbers in web storage; in memory when storage is refused (private modes, blocked storage). */
function counters(which: 'sessionStorage' | 'localStorage') {
  const memory = new Map<string, number>();
  return {
    next(cartId: string): number {
      const key = `carrello:seq:${cartId}`;
      try {
        const store = globalThis[which];
        const n = Number(store.getItem(key) ?? '0');
        const next = Number.isSafeInteger(n) && n >= 0 ? n : 0;
        store.setItem(key, String(next + 1));
        return next;
      } catch {
        const n = memory.get(key) ?? 0;
        memory.set(key, n + 1);
        return n;
      }
    },
  };
}

function localAnonymousId(): string {
  const key = 'carrello:anonymous_id';
  try {
    const known = localStorage.getItem(key);
    if (known) return known;
    const id = crypto.randomUUID();
    localStorage.setItem(key, id);
    return id;
  } catch {
    return crypto.randomUUID();
  }
}

async function problemDetail(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { code?: string; detail?: string } | null;
  return body ? `${body.code ?? ''}: ${body.detail ?? ''}` : `HTTP ${res.status}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
