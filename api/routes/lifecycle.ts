import { z } from 'zod';
import { deadLetters, deliveredSeq, logHead } from '../../announce/deliver.ts';
import { announcementsAfter } from '../../announce/log.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';

const MAX_LIMIT = 1_000;

/** The announcement log as a feed a campaign tool polls (docs/lifecycle.md): resume after the last seq taken. */
export function lifecycleRoutes({ warehouse, webhooks = [] }: RouteDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/lifecycle/announcements',
      summary: 'Cart lifecycle announcements (cart.abandoned, cart.reactivated, cart.recovered) in the order found, after a seq',
      tags: ['lifecycle'],
      roles: ['marketing', 'data', 'admin'],
      query: z.object({
        after: z.coerce.number().int().min(0).default(0).describe('the seq of the last announcement taken (0: from the first)'),
        limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100).describe(`announcements per page (default 100, at most ${MAX_LIMIT})`),
      }),
      handler: async ({ query }) => {
        const page = await announcementsAfter(warehouse, query.after, query.limit);
        return {
          json: {
            announcements: page.map((l) => ({ seq: l.seq, ...l.announcement })),
            // Where the next call resumes: the last seq of this page, or where this one started when it is empty.
            next_after: page.at(-1)?.seq ?? query.after,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/lifecycle/endpoints',
      summary: 'Webhook delivery status per endpoint: its position in the log, how far behind, and its dead letters',
      tags: ['lifecycle'],
      roles: ['marketing', 'data', 'admin'],
      query: z.object({}),
      handler: async () => {
        const head = await logHead(warehouse);
        const endpoints = await Promise.all(
          // Names and kinds only: an endpoint's URL may carry a token of the receiver's.
          webhooks.map(async (e) => {
            const [delivered, dead] = await Promise.all([deliveredSeq(warehouse, e.name), deadLetters(warehouse, e.name)]);
            return { name: e.name, kinds: e.kinds ?? null, delivered_seq: delivered, behind: head - delivered, dead_letters: dead.slice(0, 100) };
          }),
        );
        return { json: { endpoints } };
      },
    }),
  ];
}
