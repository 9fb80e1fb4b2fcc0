import type { Logger } from 'pino';
import { runPeriodically, type Periodic } from '../sql/periodic.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import type { DetectionSettings } from './detect.ts';
import type { Leadership } from './leadership.ts';
import { AnnouncementLog } from './log.ts';

/**
 * Detects lifecycle announcements into the store's log every `everyMs`, one detection at a time. What a
 * detection settles follows the stream's watermark, not this clock: the timer only says how often to
 * look. A failed detection is logged and tried again at the next turn, from the cursor the last good one
 * kept. Only while `leadership` says this process is the store's detector (one detector numbers the log).
 */
export function startDetection(
  warehouse: Warehouse & NamedWriter,
  settings: DetectionSettings,
  everyMs: number,
  leadership: Leadership,
  log: Logger,
): Periodic {
  const announcements = new AnnouncementLog(warehouse);
  return runPeriodically(everyMs, async () => {
    if (!leadership.active()) return;
    await announcements.detect(settings, Date.now()).then(
      (d) => {
        if (d.announcements.length > 0) log.debug({ carts: d.carts, found: d.announcements.length, watermark_ms: d.watermarkMs }, 'lifecycle detection');
      },
      (err: unknown) => log.warn({ error: (err as Error).message }, 'lifecycle detection failed; trying again at the next turn'),
    );
  });
}
