import type { Registry } from 'prom-client';
import type { Endpoint } from '../../announce/deliver.ts';
import type { NamedWriter, Warehouse } from '../../sql/warehouse.ts';
import type { ApiLimits } from '../limits.ts';
import type { AnyRoute } from '../http/route.ts';
import { analysisRoutes } from './analyses.ts';
import { cartRoutes } from './carts.ts';
import { exchangeRateRoutes } from './exchangeRates.ts';
import { exportRoutes } from './export.ts';
import { sqlRoutes } from './sql.ts';
import { funnelRoutes } from './funnels.ts';
import { lifecycleRoutes } from './lifecycle.ts';
import { productRoutes } from './products.ts';

export interface RouteDeps {
  warehouse: Warehouse & NamedWriter;
  limits: ApiLimits;
  /** Where routes register their gauges (export slots in use), when the process serves /metrics. */
  metrics?: Registry;
  /** Webhook endpoints of the lifecycle announcements (their delivery status route). */
  webhooks?: readonly Endpoint[];
  /** The shop's time zone (CARRELLO_TIMEZONE): the default `tz` of every answer with days or dates. */
  timezone?: string;
}

/** Every /v1 route but the collector's; /openapi.json is generated from this list. */
export function allRoutes(deps: RouteDeps): AnyRoute[] {
  return [
    ...analysisRoutes(deps),
    ...cartRoutes(deps),
    ...funnelRoutes(deps),
    ...sqlRoutes(deps),
    ...exportRoutes(deps),
    ...lifecycleRoutes(deps),
    ...productRoutes(deps),
    ...exchangeRateRoutes(deps),
  ];
}
