import { z } from 'zod';
import { cartAsOf, cartTimeline } from '../../projections/carts.ts';
import { defineRoute } from '../http/route.ts';
import { asOfQuery, DEFAULT_ABANDON_AFTER, duration, resolveAsOf } from '../http/params.ts';
import type { RouteDeps } from './index.ts';
import { CartAnswer, CartRow, CartTimelineAnswer, TimelineRow } from '../http/answers.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

const CartParams = z.object({ cart_id: z.string().min(1).max(128) });
const CartQuery = z.object({
  as_of: asOfQuery.as_of.describe('the cart as it stood at this instant (default: now): an instant, a date (local midnight in tz), today, yesterday or -Nd'),
  tz: asOfQuery.tz,
  abandon_after: duration.prefault(DEFAULT_ABANDON_AFTER).describe('inactivity after which a cart holding items is abandoned (default 24h)'),
});

export function cartRoutes({ warehouse, timezone = 'UTC' }: RouteDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/carts/:cart_id',
      operationId: 'getCart',
      response: CartAnswer,
      row: CartRow,
      summary: 'A cart as of a time: lines, quantities, value, status and stage',
      tags: ['carts'],
      roles: ['marketing', 'data', 'admin'],
      params: CartParams,
      query: CartQuery,
      async handler({ params, query }) {
        const asOf = resolveAsOf(query, Date.now(), timezone);
        const cart = await cartAsOf(warehouse, params.cart_id, asOf, query.abandon_after);
        if (!cart) throw notFound(params.cart_id, asOf);
        return {
          json: cart,
          table: { rows: cart.lines.map((l) => ({ cart_id: cart.cart_id, as_of: cart.as_of, status: cart.status, currency: cart.currency, ...l })) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/carts/:cart_id/events',
      operationId: 'getCartTimeline',
      response: CartTimelineAnswer,
      row: TimelineRow,
      summary: "A cart's timeline: every event with the cart's contents and value right after it",
      tags: ['carts'],
      roles: ['marketing', 'data', 'admin'],
      params: CartParams,
      query: CartQuery,
      async handler({ params, query }) {
        const asOf = resolveAsOf(query, Date.now(), timezone);
        const story = await cartTimeline(warehouse, params.cart_id, asOf, query.abandon_after);
        if (!story) throw notFound(params.cart_id, asOf);
        return {
          json: story,
          table: {
            rows: story.timeline.map(({ after, ...e }) => ({ ...e, items_after: after.items, units_after: after.units, value_minor_after: after.value_minor })),
          },
        };
      },
    }),
  ];
}

function notFound(cartId: string, asOf: number): CarrelloError {
  return new CarrelloError('cart_not_found', `no event of cart ${JSON.stringify(cartId)} occurred at or before ${new Date(asOf).toISOString()}`);
}
