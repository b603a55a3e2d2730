// metrics-snapshot: computes the effectiveness metrics and stores them for the period. The job
// scheduler makes one job per period; the snapshot's unique slot makes one row per period even
// if a job were run twice.
import type { Job } from 'bullmq';
import type { Clock } from '../src/clock.js';
import { computeMetrics, storeSnapshot } from '../src/db/metrics.js';
import type { Pool } from '../src/db/pool.js';
import type { Logger } from '../src/logger.js';

/** The lookback a snapshot covers: long enough for interventions to mature (30 days) and compare. */
export const SNAPSHOT_PERIOD_DAYS = 90;

export function periodSlot(at: Date, everyMs: number): Date {
  return new Date(Math.floor(at.getTime() / everyMs) * everyMs);
}

export function metricsSnapshotProcessor(deps: { pool: Pool; clock: Clock; logger: Logger; everyMs: number }) {
  return async (job: Job): Promise<{ stored: boolean; slot: string }> => {
    const now = deps.clock.now();
    // The period is the one the scheduler made the job for (its creation time plus its delay),
    // not the one a busy worker reaches it in: a job run late would otherwise take the next
    // period's slot, and the next period's job would find it taken.
    const slot = periodSlot(new Date(job.timestamp + (job.opts.delay ?? 0)), deps.everyMs);
    const metrics = await computeMetrics(deps.pool, SNAPSHOT_PERIOD_DAYS, now);
    const stored = await storeSnapshot(deps.pool, slot, metrics);
    deps.logger.info({ slot, stored, total_interventions: metrics.total_interventions }, 'metrics snapshot');
    return { stored, slot: slot.toISOString() };
  };
}
