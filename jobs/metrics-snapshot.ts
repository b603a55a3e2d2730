// metrics-snapshot: computes the effectiveness metrics and stores them for the period. The job
// scheduler makes one job per period; the snapshot's unique slot makes one row per period even
// if a job were run twice.
import type { Clock } from '../src/clock.js';
import { computeMetrics, storeSnapshot } from '../src/db/metrics.js';
import type { Pool } from '../src/db/pool.js';
import { SNAPSHOT_PERIOD_DAYS } from '../src/domain/metrics.js';
import { lastDays } from '../src/domain/metrics-filter.js';
import type { Logger } from '../src/logger.js';

export function periodSlot(at: Date, everyMs: number): Date {
  return new Date(Math.floor(at.getTime() / everyMs) * everyMs);
}

/** The instant BullMQ's job scheduler meant a job for: its ids are `repeat:<scheduler>:<epoch ms>`. */
export function scheduledFor(jobId: string | undefined): Date | null {
  const match = /^repeat:.+:(\d+)$/.exec(jobId ?? '');
  return match ? new Date(Number(match[1])) : null;
}

export function metricsSnapshotProcessor(deps: { pool: Pool; clock: Clock; logger: Logger; everyMs: number }) {
  return async (job: { id?: string | undefined }): Promise<{ stored: boolean; slot: string }> => {
    const now = deps.clock.now();
    // The period is the one the job was scheduled for, not the one it happens to start in: the
    // scheduler's instants are one period apart, so each falls in a slot of its own, whereas a
    // job that starts late (a busy worker, a retry) would take the next period's slot and leave
    // its own period without a snapshot.
    const slot = periodSlot(scheduledFor(job.id) ?? now, deps.everyMs);
    const metrics = await computeMetrics(deps.pool, lastDays(SNAPSHOT_PERIOD_DAYS, now), now);
    const stored = await storeSnapshot(deps.pool, slot, metrics);
    deps.logger.info({ slot, stored, total_interventions: metrics.total_interventions }, 'metrics snapshot');
    return { stored, slot: slot.toISOString() };
  };
}
