import type { Warehouse } from '../../sql/warehouse.ts';
import type { AnyRoute } from '../http/route.ts';
import { analysisRoutes } from './analyses.ts';
import { cartRoutes } from './carts.ts';

export interface RouteDeps {
  warehouse: Warehouse;
}

/** Every /v1 read route; /openapi.json is generated from this list. */
export function allRoutes(deps: RouteDeps): AnyRoute[] {
  return [...analysisRoutes(deps), ...cartRoutes(deps)];
}
