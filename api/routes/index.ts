import type { Warehouse } from '../../sql/warehouse.ts';
import type { AnyRoute } from '../http/route.ts';
import { cartRoutes } from './carts.ts';
import { funnelRoutes } from './funnels.ts';

export interface RouteDeps {
  warehouse: Warehouse;
}

/** Every /v1 read route; /openapi.json is generated from this list. */
export function allRoutes(deps: RouteDeps): AnyRoute[] {
  return [...cartRoutes(deps), ...funnelRoutes(deps)];
}
