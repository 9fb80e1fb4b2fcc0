import { describe, expect, it } from 'vitest';
import { CART_TOKEN, CART_UPDATES, CHECKOUT, MUG, ORDER, SHIRT, SHOPIFY_SECRET, shopifyBody, shopifyHeaders } from '../../test/fixtures/shopify.ts';
import { deriveCart } from './derive.ts';
import { minorUnits, parseShopify, shopifySnapshot, verifyShopifyHmac } from './shopify.ts';
import { CartSnapshot, withId } from './snapshot.ts';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const snapshotOf = (topic: string, payload: object, webhookId: string) =>
  withId(CartSnapshot.parse(shopifySnapshot(topic, parseShopify(shopifyBody(payload)), { currency: null, webhookId })));

describe('verifyShopifyHmac', () => {
  const body = shopifyBody(CART_UPDATES[0]!);
  const signature = shopifyHeaders('carts/update', body, 'w1')['x-shopify-hmac-sha256'];

  it('accepts the signature of exactly the body', () => {
    expect(verifyShopifyHmac(bytes(body), signature, SHOPIFY_SECRET)).toBe(true);
  });

  it.each([
    ['a body changed after signing', body.replace('"quantity":1', '"quantity":9'), signature],
    ['a signature made with another secret', body, shopifyHeaders('carts/update', body, 'w1', 'shpss_another')['x-shopify-hmac-sha256']],
    ['no signature', body, undefined],
    ['a signature that is not base64 of 32 bytes', body, 'c2hvcnQ='],
  ])('refuses %s', (_name, sent, sig) => {
    expect(verifyShopifyHmac(bytes(sent), sig, SHOPIFY_SECRET)).toBe(false);
  });
});

describe('minorUnits', () => {
  it.each([
    ['19.99', 'EUR', 1999],
    ['8.5', 'EUR', 850],
    ['1000', 'EUR', 100000],
    ['0.10', 'USD', 10],
    ['1500', 'JPY', 1500],
    ['1500.00', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
    ['9007199254740.99', 'EUR', 900719925474099],
  ])('%s %s is %d minor units, exactly', (amount, currency, minor) => {
    expect(minorUnits(amount, currency, 'price')).toBe(minor);
  });

  it.each([
    ['19.999', 'EUR'],
    ['1500.5', 'JPY'],
    ['-1.00', 'EUR'],
    ['1e3', 'EUR'],
    ['', 'EUR'],
  ])('refuses %s %s rather than round it', (amount, currency) => {
    expect(() => minorUnits(amount, currency, 'price')).toThrow(expect.objectContaining({ code: 'invalid_shopify_payload', details: { field: 'price' } }));
  });
});

describe('shopifySnapshot', () => {
  it('maps carts/update: the cart token, variants with their exact 64-bit ids, prices in cents, UTC time', () => {
    expect(snapshotOf('carts/update', CART_UPDATES[1]!, 'w2')).toEqual({
      snapshot_id: 'shopify:w2',
      cart_id: CART_TOKEN,
      occurred_at: '2026-03-02T10:02:30.000Z',
      currency: 'EUR',
      lines: [
        { product_id: SHIRT, quantity: 1, unit_price_minor: 1999, product_name: 'Example T-Shirt - Black / M', sku: 'TS-BLK-M', brand: 'Acme' },
        { product_id: MUG, quantity: 1, unit_price_minor: 850, product_name: 'Enamel Mug', brand: 'Acme' },
      ],
      customer_id: null,
      channel: 'web',
      status: 'open',
    });
  });

  it('maps checkouts/create and orders/create onto the same cart, with the customer and their consent', () => {
    expect(snapshotOf('checkouts/create', CHECKOUT, 'w5')).toMatchObject({
      cart_id: CART_TOKEN,
      status: 'checkout',
      customer_id: '6073849283',
      consent_marketing: true,
    });
    expect(snapshotOf('orders/create', ORDER, 'w6')).toMatchObject({
      cart_id: CART_TOKEN,
      status: 'ordered',
      order_id: '820982911946154508',
      total_minor: 2550,
    });
  });

  it('the recorded webhooks give the cart history: add, add, 1 → 3, remove, checkout, order', () => {
    const snapshots = [
      ...CART_UPDATES.map((p, i) => snapshotOf('carts/update', p, `w${i + 1}`)),
      snapshotOf('checkouts/create', CHECKOUT, 'w5'),
      snapshotOf('orders/create', ORDER, 'w6'),
    ];
    expect(
      deriveCart(snapshots).map((e) => [
        e.occurred_at,
        e.type,
        'item' in e ? e.item.product_id : '',
        'quantity' in e ? e.quantity : 'to_quantity' in e ? e.to_quantity : '',
      ]),
    ).toEqual([
      ['2026-03-02T10:00:00.000Z', 'cart.item_added', SHIRT, 1],
      ['2026-03-02T10:02:30.000Z', 'cart.item_added', MUG, 1],
      ['2026-03-02T10:04:00.000Z', 'cart.item_quantity_changed', MUG, 3],
      ['2026-03-02T10:06:00.000Z', 'cart.item_removed', SHIRT, 1],
      ['2026-03-02T10:08:00.000Z', 'cart.checkout_started', '', ''],
      ['2026-03-02T10:10:00.000Z', 'order.placed', '', ''],
    ]);
  });

  it("an emptied cart without a currency takes the shop's, or is refused naming the setting", () => {
    const emptied = parseShopify(shopifyBody({ ...CART_UPDATES[0]!, line_items: [] }));
    expect(shopifySnapshot('carts/update', emptied, { currency: 'EUR', webhookId: null })).toMatchObject({ currency: 'EUR', lines: [] });
    expect(() => shopifySnapshot('carts/update', emptied, { currency: null, webhookId: null })).toThrow(/CARRELLO_SHOPIFY_CURRENCY/);
  });
});
