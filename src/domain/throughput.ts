// Jobs per minute from BullMQ's own per-minute metrics (workers started with `metrics`). Pure.
//
// How BullMQ keeps them (collectMetrics.lua): `meta.count` counts every job finished; when a job
// finishes in a later minute than `meta.prevTS`, the jobs of prevTS's minute are pushed to the
// head of `data`, followed by a 0 for each idle minute, and prevTS/prevCount move to that job.
// So data[i] holds minute (minute(prevTS) − 1 − i), minute(prevTS) holds count − prevCount, and
// no job finished in any minute after it. The series is exact; an idle queue reads 0.

export interface BullMetrics {
  meta: { count: number; prevTS: number; prevCount: number };
  /** newest first, as Queue.getMetrics returns them */
  data: readonly number[];
}

const MINUTE_MS = 60_000;

/** Jobs finished in one whole minute (minutes since the epoch). */
export function jobsInMinute(metrics: BullMetrics, minute: number): number {
  if (metrics.meta.count === 0) return 0;
  const last = Math.floor(metrics.meta.prevTS / MINUTE_MS);
  if (minute > last) return 0;
  if (minute === last) return metrics.meta.count - metrics.meta.prevCount;
  return metrics.data[last - 1 - minute] ?? 0;
}

/**
 * Jobs per minute over the `minutes` whole minutes before `now` and the part of the current
 * minute that has passed, so that jobs finished a moment ago count at once.
 */
export function jobsPerMinute(metrics: BullMetrics, now: Date, minutes: number): number {
  const current = Math.floor(now.getTime() / MINUTE_MS);
  let total = 0;
  for (let minute = current - minutes; minute <= current; minute += 1) total += jobsInMinute(metrics, minute);
  return total / (minutes + (now.getTime() % MINUTE_MS) / MINUTE_MS);
}
