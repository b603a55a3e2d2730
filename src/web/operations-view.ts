// The operator's page as a table: each queue's depths, throughput, oldest waiting job and last failure.
import type { QueueStatus } from '../queues/queue-status.js';
import type { Row, Table } from './tables.js';

export function queuesTable(statuses: readonly QueueStatus[]): Table {
  return {
    name: 'queues',
    caption: 'Queues: depths, throughput and failures',
    columns: [
      { key: 'queue', label: 'Queue', format: 'text' },
      { key: 'waiting', label: 'Waiting', format: 'count' },
      { key: 'active', label: 'Active', format: 'count' },
      { key: 'delayed', label: 'Delayed', format: 'count' },
      { key: 'failed', label: 'Failed', format: 'count' },
      { key: 'completed_per_minute', label: 'Completed per minute (last 5 min)', format: 'per_minute' },
      { key: 'failed_per_minute', label: 'Failed per minute (last 5 min)', format: 'per_minute' },
      { key: 'oldest_waiting_seconds', label: 'Oldest waiting job', format: 'seconds' },
      { key: 'last_failed_at', label: 'Last failure at', format: 'datetime' },
      { key: 'last_error', label: 'Last error', format: 'text' },
    ],
    rows: statuses.map((s): Row => ({
      cells: {
        queue: s.queue,
        waiting: s.waiting,
        active: s.active,
        delayed: s.delayed,
        failed: s.failed,
        completed_per_minute: s.completed_per_minute,
        failed_per_minute: s.failed_per_minute,
        oldest_waiting_seconds: s.oldest_waiting_seconds,
        last_failed_at: s.last_failure?.failed_at ?? null,
        last_error: s.last_failure ? `job ${s.last_failure.job_id ?? '?'} after ${s.last_failure.attempts} attempt(s): ${s.last_failure.error}` : null,
      },
      links: s.failed > 0 ? { failed: `/admin/queues/queue/${encodeURIComponent(s.queue)}?status=failed` } : {},
    })),
  };
}
