import type { LifecycleKind } from '../projections/lifecycle.ts';
import { toInt, toIntOrNull, toStr } from '../projections/rows.ts';
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
    return row ? { watermarkMs: toIntOrNull(row.watermark_ms), receivedMs: toIntOrNull(row.received_ms) } : FIRST_DETECTION;
  }

  /**
   * Keeps what a detection found that is not kept yet, then its cursor (on DuckDB in one transaction; on
   * ClickHouse in that order, so a save cut between the two is found again, and collapses, next time).
   */
  async save(d: Detection, savedAtMs: number): Promise<void> {
    const rows = d.announcements.map((a) => ({
      id: a.id,
      kind: a.kind,
      cart_id: a.cart_id,
      episode: a.episode,
      at_ms: a.at_ms,
      rank: RANK[a.kind],
      customer_id: a.customer_id,
      payload: JSON.stringify(wireOf(a)),
    }));
    const cursor = { watermark_ms: d.cursor.watermarkMs, received_ms: d.cursor.receivedMs, saved_at_ms: savedAtMs };
    await this.warehouse.writeNamed(rows.length > 0 ? ['lifecycle_save_announcements', 'lifecycle_save_cursor'] : ['lifecycle_save_cursor'], {
      rows: JSON.stringify(rows),
      detected_at_ms: savedAtMs,
      ...cursor,
    });
  }

  /** The announcements kept after seq `after`, in seq order, at most `limit`. */
  after(after: number, limit: number): Promise<LoggedAnnouncement[]> {
    return announcementsAfter(this.warehouse, after, limit);
  }

  /** One detection from the kept cursor, kept: what it found new is in the feed after this returns. */
  async detect(settings: DetectionSettings, nowMs: number): Promise<Detection> {
    const d = await detectAnnouncements(this.warehouse, await this.cursor(), settings);
    await this.save(d, nowMs);
    return d;
  }
}

/** The announcements kept after seq `after`, in seq order, at most `limit` (a read: any store will do). */
export async function announcementsAfter(warehouse: Warehouse, after: number, limit: number): Promise<LoggedAnnouncement[]> {
  const rows = await warehouse.query('lifecycle_feed', { after, limit });
  return rows.map((r) => ({ seq: toInt(r.seq), announcement: JSON.parse(toStr(r.payload)) as WireAnnouncement }));
}
