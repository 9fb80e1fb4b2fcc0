import type { Warehouse } from '../sql/warehouse.ts';
import type { Announcement } from './lifecycle.ts';

export interface ProductLabel {
  product_name: string | null;
  category: string | null;
}

/**
 * The products' names and categories as every answer shows them (docs/metrics.md, "Product names"): the
 * catalogue's when it has the product, else those of the product's latest event at or before as_of that
 * carries one, across all carts. For answers folded here rather than in SQL (a cart, its timeline).
 */
export async function productNames(warehouse: Warehouse, productIds: Iterable<string>, asOfMs: number): Promise<Map<string, ProductLabel>> {
  const ids = [...new Set(productIds)];
  const names = new Map<string, ProductLabel>();
  if (ids.length === 0) return names;
  for (const r of await warehouse.query('product_names', { as_of_ms: asOfMs, product_ids: JSON.stringify(ids) })) {
    names.set(r.product_id, { product_name: r.product_name, category: r.category });
  }
  return names;
}

/** Lines (of a fold of events) with the products' names instead of those their own events carried. */
export function labelled<L extends { product_id: string } & ProductLabel>(lines: readonly L[], names: ReadonlyMap<string, ProductLabel>): L[] {
  return lines.map((l) => {
    const label = names.get(l.product_id);
    return label === undefined ? l : { ...l, product_name: label.product_name, category: label.category };
  });
}

/**
 * Announcements with the catalogue's names and categories (where it has the product and gives the field) in
 * an abandonment's lines and removed products; otherwise those the cart's own events carried (the fold of
 * projections/lifecycle.ts). Not the events' names across all carts, as answers take them: that costs a read
 * of the product model at every detection (the detection suite took 3.6 times as long on both engines).
 * An announcement is stored as first found, names included.
 */
export async function withCatalogueNames(warehouse: Warehouse, announcements: readonly Announcement[]): Promise<Announcement[]> {
  const ids = [...new Set(announcements.flatMap((a) => (a.kind === 'cart.abandoned' ? [...a.lines, ...a.removed].map((l) => l.product_id) : [])))];
  if (ids.length === 0) return [...announcements];
  const catalogue = new Map<string, ProductLabel>();
  for (const r of await warehouse.query('catalogue_names', { product_ids: JSON.stringify(ids) })) {
    catalogue.set(r.product_id, { product_name: r.product_name, category: r.category });
  }
  if (catalogue.size === 0) return [...announcements];
  const name = (id: string, own: string | null) => catalogue.get(id)?.product_name ?? own;
  return announcements.map((a) =>
    a.kind !== 'cart.abandoned'
      ? a
      : {
          ...a,
          lines: a.lines.map((l) => ({
            ...l,
            product_name: name(l.product_id, l.product_name),
            category: catalogue.get(l.product_id)?.category ?? l.category,
          })),
          removed: a.removed.map((r) => ({ ...r, product_name: name(r.product_id, r.product_name) })),
        },
  );
}
