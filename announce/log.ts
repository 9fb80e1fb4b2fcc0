import type { Announcement, LifecycleKind } from '../projections/lifecycle.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { detectAnnouncements, FIRST_DETECTION, type Detection, type DetectionCursor, type DetectionSettings } from './detect.ts';
import { wireOf, type WireAnnouncement } from './wire.ts';

/**
 * The lifecycle's announcements as found, kept in the store (migrations 010 on DuckDB, 009 on ClickHouse),
 * each id once, numbered in the order found (seq), with the detector's cursor: what delivery reads, and a
 * feed a campaign tool can poll (resume after the last seq taken). One detector per store writes it.
 */

export interface LoggedAnnouncement {
  seq: number;
  announcement: WireAnnouncement;
}

/** Within one instant and cart, an episode's kinds in the order they happen. */
const RANK: Record<LifecycleKind, number> = { 'cart.abandoned': 0, 'cart.reactivated': 1, 'cart.recovered': 2 };

export class AnnouncementLog {
  constructor(private readonly warehouse: Warehouse & NamedWriter) {}

  /** Where detection stands (FIRST_DETECTION when it never ran). */
  async cursor(): Promise<DetectionCursor> {
    const [row] = await this.warehouse.query('lifecycle_cursor');
    return row ? { watermarkMs: row.watermark_ms, receivedMs: row.received_ms } : FIRST_DETECTION;
  }

  /** Keeps the announcements not kept yet, numbered after the largest seq kept. */
  async keep(found: readonly Announcement[], savedAtMs: number): Promise<void> {
    if (found.length === 0) return;
    const rows = found.map((a) => ({
      id: a.id,
      kind: a.kind,
      cart_id: a.cart_id,
      episode: a.episode,
      at_ms: a.at_ms,
      rank: RANK[a.kind],
      customer_id: a.customer_id,
      payload: JSON.stringify(wireOf(a)),
    }));
    await this.warehouse.writeNamed(['lifecycle_save_announcements'], { rows: JSON.stringify(rows), detected_at_ms: savedAtMs });
  }

  /**
   * Keeps a detection's cursor, once what it found is kept (page by page as it was found): a detection
   * cut short leaves the old cursor, and the next one finds again what was kept, which collapses on the id.
   */
  async settle(d: Detection, savedAtMs: number): Promise<void> {
    await this.warehouse.writeNamed(['lifecycle_save_cursor'], {
      watermark_ms: d.cursor.watermarkMs,
      received_ms: d.cursor.receivedMs,
      saved_at_ms: savedAtMs,
    });
  }

  /** The announcements kept after seq `after`, in seq order, at most `limit`. */
  after(after: number, limit: number): Promise<LoggedAnnouncement[]> {
    return announcementsAfter(this.warehouse, after, limit);
  }

  /** One detection from the kept cursor, kept: what it found new is in the feed after this returns. */
  async detect(settings: DetectionSettings, nowMs: number): Promise<Detection> {
    const d = await detectAnnouncements(this.warehouse, await this.cursor(), settings, (page) => this.keep(page, nowMs));
    await this.settle(d, nowMs);
    return d;
  }
}

/** The announcements kept after seq `after`, in seq order, at most `limit` (a read: any store will do). */
export async function announcementsAfter(warehouse: Warehouse, after: number, limit: number): Promise<LoggedAnnouncement[]> {
  const rows = await warehouse.query('lifecycle_feed', { after, limit });
  return rows.map((r) => ({ seq: r.seq, announcement: JSON.parse(r.payload) as WireAnnouncement }));
}
