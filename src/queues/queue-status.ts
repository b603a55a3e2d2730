// What an operator asks of the queues: how many jobs wait in each state, how long the oldest
// waiting job has waited, how fast jobs finish now, and the last failure with its error.
import type { Queue } from 'bullmq';
import { jobsPerMinute } from '../domain/throughput.js';

export interface QueueStatus {
  queue: string;
  waiting: number;
  active: number;
  /** delayed jobs: retries in backoff, and deliveries waiting for quiet hours to end */
  delayed: number;
  failed: number;
  oldest_waiting_since: string | null;
  oldest_waiting_seconds: number | null;
  /** jobs finished per minute over the last five minutes (and the current one so far) */
  completed_per_minute: number;
  failed_per_minute: number;
  last_failure: { job_id: string | null; failed_at: string | null; error: string; attempts: number } | null;
}

/** Minutes the throughput averages over: long enough to smooth batch bursts, short enough to read as "now". */
const THROUGHPUT_MINUTES = 5;

export async function queueStatus(queue: Queue, now: Date): Promise<QueueStatus> {
  const [counts, oldest, lastFailed, completed, failed] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    // Waiting jobs are taken from the list's far end; getWaiting reads it oldest first.
    queue.getWaiting(0, 0),
    // The failed set is ordered by when each job failed; getFailed reads it newest first.
    queue.getFailed(0, 0),
    queue.getMetrics('completed', 0, THROUGHPUT_MINUTES - 1),
    queue.getMetrics('failed', 0, THROUGHPUT_MINUTES - 1),
  ]);
  const first = oldest[0];
  const last = lastFailed[0];
  return {
    queue: queue.name,
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    oldest_waiting_since: first ? new Date(first.timestamp).toISOString() : null,
    oldest_waiting_seconds: first ? Math.max(0, Math.round((now.getTime() - first.timestamp) / 1000)) : null,
    completed_per_minute: jobsPerMinute(completed, now, THROUGHPUT_MINUTES),
    failed_per_minute: jobsPerMinute(failed, now, THROUGHPUT_MINUTES),
    last_failure: last
      ? {
          job_id: last.id ?? null,
          failed_at: last.finishedOn ? new Date(last.finishedOn).toISOString() : null,
          error: last.failedReason || 'no reason recorded',
          attempts: last.attemptsMade,
        }
      : null,
  };
}
