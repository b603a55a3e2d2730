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

export function metricsSnapshotProcessor(deps: { pool: Pool; clock: Clock; logger: Logger; everyMs: number }) {
  return async (): Promise<{ stored: boolean; slot: string }> => {
    const now = deps.clock.now();
    const slot = periodSlot(now, deps.everyMs);
    const metrics = await computeMetrics(deps.pool, lastDays(SNAPSHOT_PERIOD_DAYS, now), now);
    const stored = await storeSnapshot(deps.pool, slot, metrics);
    deps.logger.info({ slot, stored, total_interventions: metrics.total_interventions }, 'metrics snapshot');
    return { stored, slot: slot.toISOString() };
  };
}
