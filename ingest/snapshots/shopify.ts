/**
 * Shopify's cart webhooks as cart snapshots: `carts/create` and `carts/update` (an open cart), `checkouts/create`
 * (status 'checkout'), `orders/create` (status 'ordered'), mapped from the payload
 * format Shopify documents (Admin REST webhooks: id/token, line_items[].{variant_id, product_id, quantity,
 * price, title, sku, vendor}, currency, customer, updated_at). Every request is signed: X-Shopify-Hmac-Sha256
 * is the base64 HMAC-SHA256 of the raw body with the shop's webhook secret, checked before anything is read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CartSnapshot } from './snapshot.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';
import { currencyExponent } from '../../sql/currency.ts';

export const SHOPIFY_SOURCE = 'shopify';

/**
 * The topics mapped to snapshots, and the status each gives; others are acknowledged and ignored.
 * Not checkouts/update: Shopify sends it when the checkout completes too, possibly after orders/create,
 * and a 'checkout' snapshot after the order would derive a checkout that never started again.
 */
export const SHOPIFY_TOPICS: Readonly<Record<string, 'open' | 'checkout' | 'ordered'>> = {
  'carts/create': 'open',
  'carts/update': 'open',
  'checkouts/create': 'checkout',
  'orders/create': 'ordered',
};

/** Whether `signature` (the header as sent) is the HMAC of exactly these bytes; in constant time. */
export function verifyShopifyHmac(body: Uint8Array, signature: string | undefined, secret: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signature.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A payload that cannot be a snapshot (code `invalid_shopify_payload`): which field, and why. */
function payloadError(field: string, message: string): CarrelloError<'invalid_shopify_payload'> {
  return new CarrelloError('invalid_shopify_payload', `${field}: ${message}`, { field });
}

export interface ShopifyOptions {
  /** The shop's currency, for payloads that name none (a carts/update of an emptied cart). */
  currency: string | null;
  /** X-Shopify-Webhook-Id: the same delivery retried by Shopify is the same snapshot. */
  webhookId: string | null;
}

/**
 * Shopify's ids are 64-bit integers, beyond what a JSON number holds exactly in JavaScript; prices may
 * come as numbers in some API versions. Those values are turned into strings in the text before parsing,
 * where they stand as a key's value in an object (a key cannot hold an unescaped quote, so no string matches).
 */
const EXACT = /([{,]\s*"(?:id|variant_id|product_id|price|total_price)"\s*:\s*)(-?\d+(?:\.\d+)?)(?=\s*[,}])/g;

export function parseShopify(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text.replace(EXACT, '$1"$2"'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw payloadError('(payload)', 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** The snapshot a webhook's payload describes (validated afterwards as every snapshot is). */
export function shopifySnapshot(topic: string, payload: Record<string, unknown>, opts: ShopifyOptions): CartSnapshot {
  const status = SHOPIFY_TOPICS[topic];
  if (status === undefined) throw payloadError('X-Shopify-Topic', `${JSON.stringify(topic)} is not mapped`);
  const lines = arrayOf(payload, 'line_items');
  const currency = text(payload.currency) ?? text(payload.presentment_currency) ?? lineCurrency(lines) ?? opts.currency;
  if (currency === null) throw payloadError('currency', "the payload names no currency; set CARRELLO_SHOPIFY_CURRENCY to the shop's currency");
  // A cart's token is its id in every topic: checkouts and orders name it cart_token.
  const cartId =
    status === 'open' ? (text(payload.token) ?? text(payload.id)) : (text(payload.cart_token) ?? text(payload.token) ?? text(payload.checkout_token));
  if (cartId === null) throw payloadError(status === 'open' ? 'token' : 'cart_token', 'names no cart');
  const when = status === 'ordered' ? (payload.processed_at ?? payload.created_at) : (payload.updated_at ?? payload.created_at);
  const ms = typeof when === 'string' ? Date.parse(when) : NaN;
  if (Number.isNaN(ms)) throw payloadError(status === 'ordered' ? 'processed_at' : 'updated_at', 'is not a date and time');
  const customer = typeof payload.customer === 'object' && payload.customer !== null ? (payload.customer as Record<string, unknown>) : null;
  const consent = customerConsent(customer);
  return {
    ...(opts.webhookId !== null ? { snapshot_id: `shopify:${opts.webhookId}` } : {}),
    cart_id: cartId,
    occurred_at: new Date(ms).toISOString(),
    currency,
    lines: linesOf(lines, currency),
    customer_id: text(customer?.id),
    channel: payload.source_name === 'pos' ? 'store' : 'web',
    ...(consent !== null ? { consent_marketing: consent } : {}),
    status,
    ...(status === 'ordered'
      ? {
          order_id: text(payload.id) ?? undefined,
          ...(payload.total_price !== undefined ? { total_minor: minorUnits(payload.total_price, currency, 'total_price') } : {}),
        }
      : {}),
  };
}

/** Lines by product (the variant when there is one); the same variant twice (other properties) is one line. */
function linesOf(items: readonly unknown[], currency: string): CartSnapshot['lines'] {
  const byProduct = new Map<string, CartSnapshot['lines'][number]>();
  items.forEach((raw, i) => {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const productId = text(item.variant_id) ?? text(item.product_id);
    if (productId === null) throw payloadError(`line_items.${i}.variant_id`, 'names no variant or product');
    const quantity = item.quantity;
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 0)
      throw payloadError(`line_items.${i}.quantity`, 'is not a whole number of units');
    if (quantity === 0) return;
    const held = byProduct.get(productId);
    if (held) {
      held.quantity += quantity;
      return;
    }
    byProduct.set(productId, {
      product_id: productId,
      quantity,
      unit_price_minor: minorUnits(item.price, currency, `line_items.${i}.price`),
      ...(text(item.title) !== null ? { product_name: text(item.title)! } : {}),
      ...(text(item.sku) !== null ? { sku: text(item.sku)! } : {}),
      ...(text(item.vendor) !== null ? { brand: text(item.vendor)! } : {}),
    });
  });
  return [...byProduct.values()];
}

/**
 * A decimal amount ("19.99", "1000", "0.5") in the currency's minor units, exactly: digits moved by the
 * currency's exponent (2 for EUR, 0 for JPY, 3 for KWD), never through a float. More decimals than the
 * currency has, unless zeros, is refused rather than rounded.
 */
export function minorUnits(amount: unknown, currency: string, field: string): number {
  const s = typeof amount === 'string' ? amount.trim() : '';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw payloadError(field, `${JSON.stringify(amount)} is not a decimal amount`);
  const exponent = currencyExponent(currency);
  const fraction = (m[2] ?? '').padEnd(exponent, '0');
  if (/[^0]/.test(fraction.slice(exponent))) throw payloadError(field, `${s} has more decimals than ${currency} has (${exponent})`);
  const minor = BigInt(m[1]!) * 10n ** BigInt(exponent) + BigInt(fraction.slice(0, exponent) || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw payloadError(field, `${s} is too large`);
  return Number(minor);
}

function lineCurrency(items: readonly unknown[]): string | null {
  for (const raw of items) {
    const item = raw as Record<string, Record<string, Record<string, unknown>> | undefined>;
    const code = item?.price_set?.shop_money?.currency_code ?? item?.discounted_price_set?.shop_money?.currency_code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function customerConsent(customer: Record<string, unknown> | null): boolean | null {
  const email = customer?.email_marketing_consent as { state?: unknown } | undefined;
  if (typeof email?.state === 'string') return email.state === 'subscribed';
  return typeof customer?.accepts_marketing === 'boolean' ? customer.accepts_marketing : null;
}

function arrayOf(payload: Record<string, unknown>, key: string): unknown[] {
  const v = payload[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw payloadError(key, 'is not an array');
  return v;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}
