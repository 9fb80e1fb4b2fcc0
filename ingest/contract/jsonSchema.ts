import { z } from 'zod';
import { CartEvent, MAX_AMOUNT_MINOR, SCHEMA_VERSION } from './events.ts';

export const JSON_SCHEMA_FILE = new URL('./cart-event.v1.schema.json', import.meta.url);

/**
 * The contract as JSON Schema (draft 2020-12), for producers in other languages. Generated from the
 * zod schemas; checks that JSON Schema cannot express (the ISO 4217 list, from ≠ to) are described.
 */
export function contractJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(CartEvent, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: `https://carrello.dev/schemas/cart-event.v${SCHEMA_VERSION}.json`,
    title: `carrello cart event, contract v${SCHEMA_VERSION}`,
    description:
      'One cart or order event. Also enforced by carrello but not expressible here: currency must be an ISO 4217 code ' +
      'known to the runtime; for cart.item_quantity_changed, to_quantity must differ from from_quantity; every ' +
      `line's quantity (from_quantity and to_quantity too) × unit_price_minor must not exceed ${MAX_AMOUNT_MINOR} minor units.`,
  };
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(contractJsonSchema(), null, 2)}\n`;
}
