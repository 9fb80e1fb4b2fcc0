import { z } from 'zod';
import { CartEvent } from '../../ingest/contract/events.ts';
import { SDK_PATH } from '../../ingest/browser/serve.ts';
import { CartSnapshot } from '../../ingest/snapshots/snapshot.ts';
import { AnyHealthAnswer, IngestAnswer, ShopifyIgnoredAnswer, SnapshotsAnswer, StatsAnswer } from '../http/answers.ts';
import type { DocumentedOperation } from '../http/openapi.ts';

const events = z.union([z.array(CartEvent), CartEvent]);
const snapshots = z.union([z.array(CartSnapshot), CartSnapshot]);

/**
 * The operations api/app.ts serves with routers of their own (their bodies are read as bytes, not parsed
 * by the route table): described here so that /openapi.json covers every route. Those mounted only when
 * configured say so.
 */
export const OUTSIDE_OPERATIONS: readonly DocumentedOperation[] = [
  {
    method: 'post',
    path: '/v1/events',
    operationId: 'sendEvents',
    summary: 'The collector: cart events in (a JSON array, one object, or NDJSON); 202 once each is stored or refused durably',
    description:
      'Each event is validated on its own against the event contract (ingest/contract/schema.json): the valid ones are stored, ' +
      'the others refused with a stable reason (`rejected`, by index) and kept as rejected events; a request is refused whole only ' +
      'when it is not JSON (400 invalid_json), too large (413 body_too_large, too_many_events) or cannot be stored (503 with ' +
      'Retry-After: send it again). text/plain is read as JSON (what navigator.sendBeacon sends). See docs/collector.md.',
    tags: ['collector'],
    roles: ['ingest', 'public'],
    keyInUrl: true,
    requestBody: { 'application/json': events, 'text/plain': null, 'application/x-ndjson': CartEvent },
    responses: { '202': { description: 'stored or refused, durably', content: { 'application/json': IngestAnswer } } },
  },
  {
    method: 'post',
    path: '/v1/cart-snapshots',
    operationId: 'sendCartSnapshots',
    summary: 'Cart snapshots in (the whole cart as it stands); events are derived from consecutive snapshots. Mounted when snapshots are enabled',
    description:
      'All or nothing: a request holding an invalid snapshot is refused whole (400 invalid_snapshot, each problem with its index and field). See docs/snapshots.md.',
    tags: ['collector'],
    roles: ['ingest'],
    requestBody: { 'application/json': snapshots, 'application/x-ndjson': CartSnapshot },
    responses: { '202': { description: 'the snapshots and their derived events are durable', content: { 'application/json': SnapshotsAnswer } } },
  },
  {
    method: 'post',
    path: '/v1/shopify/webhooks',
    operationId: 'receiveShopifyWebhook',
    summary: "Shopify's cart, checkout and order webhooks, as cart snapshots. Mounted with CARRELLO_SHOPIFY_SECRET",
    description:
      "Signed with the shop's secret, no API key (401 invalid_signature otherwise). A topic carrello does not map is acknowledged (200 ignored) so that Shopify does not retry it.",
    tags: ['collector'],
    roles: null,
    security: 'shopifyHmac',
    requestBody: { 'application/json': null },
    responses: {
      '200': { description: 'a topic carrello does not map: ignored', content: { 'application/json': ShopifyIgnoredAnswer } },
      '202': { description: 'stored as a snapshot', content: { 'application/json': SnapshotsAnswer } },
    },
  },
  {
    method: 'get',
    path: '/v1/stats',
    operationId: 'getStats',
    summary: "The store's totals, the read models' lag, this process's ingest totals and the shop's time zone",
    tags: ['operations'],
    roles: ['marketing', 'data', 'ingest'],
    responses: { '200': { description: 'the totals', content: { 'application/json': StatsAnswer } } },
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness and readiness: 200 ok, 503 while stopping or degraded (an ingest worker, on its own port: 200 while it consumes)',
    tags: ['operations'],
    roles: null,
    responses: {
      '200': { description: 'ok', content: { 'application/json': AnyHealthAnswer } },
      '503': { description: 'stopping or degraded (the same body, not a problem)', content: { 'application/json': AnyHealthAnswer } },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (text exposition format). Mounted when the process serves metrics',
    tags: ['operations'],
    roles: null,
    responses: { '200': { description: 'the metrics', content: { 'text/plain': null } } },
  },
  {
    method: 'get',
    path: SDK_PATH,
    operationId: 'getBrowserSdk',
    summary: 'The browser SDK (a script a shop includes; it holds no secret)',
    tags: ['collector'],
    roles: null,
    responses: { '200': { description: 'the script', content: { 'text/javascript': null } } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document (also at /v1/openapi.json, behind the API key)',
    tags: ['operations'],
    roles: null,
    responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': null } } },
  },
];
