import { z } from 'zod';
import { announcementsAfter } from '../../announce/log.ts';
import { requestReplay } from '../../announce/replay.ts';
import { deliveryStatus } from '../../announce/status.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';
import { AnnouncementsAnswer, EndpointsAnswer, ReplayAnswer } from '../http/answers.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

const MAX_LIMIT = 1_000;
const MAX_REPLAY_SEQS = 1_000;

/** What to replay: every dead letter of the endpoint (`{}`), or those seqs; of any reason, or of one. */
const ReplayBody = z
  .object({
    seqs: z
      .array(z.number().int().min(1))
      .min(1)
      .max(MAX_REPLAY_SEQS)
      .optional()
      .describe(`the dead letters' seqs (at most ${MAX_REPLAY_SEQS}); all when absent`),
    reason: z.string().min(1).max(200).optional().describe('only the dead letters kept with this reason (http_400, timeout, …)'),
  })
  .strict();

/** The announcement log as a feed a campaign tool polls (docs/lifecycle.md): resume after the last seq taken. */
export function lifecycleRoutes({ warehouse, webhooks = [] }: RouteDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/lifecycle/announcements',
      operationId: 'listAnnouncements',
      response: AnnouncementsAnswer,
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
      operationId: 'listWebhookEndpoints',
      response: EndpointsAnswer,
      summary: 'Webhook delivery status per endpoint: its position in the log, how far behind, and its dead letters',
      tags: ['lifecycle'],
      roles: ['marketing', 'data', 'admin'],
      query: z.object({}),
      handler: async () => ({ json: { endpoints: await deliveryStatus(warehouse, webhooks) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/lifecycle/endpoints/:name/replay',
      operationId: 'replayDeadLetters',
      response: ReplayAnswer,
      summary: "Asks the delivering process to send an endpoint's dead letters again (all, some seqs, or those of a reason)",
      description:
        "Queues a replay of the endpoint's dead letters; the process that delivers takes it at its next turn, before new " +
        'announcements, under the same webhook-id. A replayed announcement reaches the receiver after the later ones of its ' +
        "cart: receivers order a cart's announcements by the payload's `at`. 404 for an endpoint not configured, or seqs that are not " +
        'its dead letters (then nothing is queued). See docs/lifecycle.md.',
      tags: ['lifecycle'],
      roles: ['admin'],
      status: 202,
      formats: ['json'],
      params: z.object({ name: z.string().describe("the endpoint's name in CARRELLO_WEBHOOKS") }),
      body: ReplayBody,
      handler: async ({ params, body }, req) => {
        // JSON only, `{}` for every dead letter: a body of another type (curl's form default) must not read as "all".
        if (!req.is('application/json'))
          throw new CarrelloError('unsupported_media_type', 'expected a JSON body (content-type: application/json); {} replays every dead letter');
        // The name only: the configured endpoints' URLs are never echoed.
        if (!webhooks.some((e) => e.name === params.name))
          throw new CarrelloError('endpoint_not_found', `no webhook endpoint named ${JSON.stringify(params.name)} is configured`);
        const queued = await requestReplay(warehouse, params.name, body, Date.now());
        if ('unknown_seqs' in queued) {
          throw new CarrelloError('dead_letter_not_found', `not dead letters of ${params.name}: seqs ${queued.unknown_seqs.join(', ')}; nothing was queued`, {
            unknown_seqs: queued.unknown_seqs,
          });
        }
        return { json: { endpoint: params.name, queued: queued.queued } };
      },
    }),
  ];
}
