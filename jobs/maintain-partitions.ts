// maintain-partitions: creates the coming months' partitions of the high-volume tables and drops
// the months past RETENTION_MONTHS (and deletes the rejected provider events older than that).
// Runs on the metrics queue's scheduler (one job a day whatever the number of workers); running
// it twice, or in two processes at once, changes nothing more.
import type { JobsOptions } from 'bullmq';
import type { Clock } from '../src/clock.js';
import { createComingPartitions, dropExpiredPartitions } from '../src/db/partitions.js';
import type { Pool } from '../src/db/pool.js';
import { deleteExpiredRejectedEvents } from '../src/db/rejected-events.js';
import type { Logger } from '../src/logger.js';

/** The scheduler's job name on the metrics queue. */
export const MAINTAIN_PARTITIONS_JOB = 'maintain-partitions';

/** Once a day: partitions are created three months ahead, so a day late costs nothing. */
export const PARTITION_MAINTENANCE_EVERY_MS = 24 * 3_600_000;

/**
 * A run that meets Postgres away, or a table lock held past its wait, tries again (after 10 s,
 * 20 s, ... about 20 minutes in all) rather than failing for good until the next day.
 */
export const MAINTAIN_PARTITIONS_JOB_OPTIONS = { attempts: 8, backoff: { type: 'exponential', delay: 10_000 } } satisfies JobsOptions;

export function maintainPartitionsProcessor(deps: { pool: Pool; clock: Clock; logger: Logger; retentionMonths: number }) {
  return async (): Promise<{ created: string[]; dropped: string[]; rejectedEventsDeleted: number }> => {
    const at = deps.clock.now();
    const created = await createComingPartitions(deps.pool, at);
    const dropped = await dropExpiredPartitions(deps.pool, at, deps.retentionMonths);
    // Few rows (events a provider sent that could not be applied): a delete, not a partition.
    const rejectedEventsDeleted = await deleteExpiredRejectedEvents(deps.pool, at, deps.retentionMonths);
    deps.logger.info({ created, dropped, rejected_events_deleted: rejectedEventsDeleted, retention_months: deps.retentionMonths }, 'partitions maintained');
    return { created, dropped, rejectedEventsDeleted };
  };
}
