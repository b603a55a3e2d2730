// deliver-email / deliver-sms / deliver-app / deliver-phone: one processor for every channel
// queue; what differs per channel is its transport (src/delivery/transports/). A job carries
// one channel's deliveries (an evaluation's batch, or a single one): it settles what it can and
// puts the rest back as follow-up jobs (quiet hours, retries); a provider's Retry-After pauses
// the whole queue, since a provider's rate limit is per account, not per message.
import type { Job, Queue, Worker } from 'bullmq';
import { deliverBatch, type DeliverDeps } from '../src/delivery/deliver.js';
import type { Transport } from '../src/delivery/transport.js';
import { monthsFromJson } from '../src/domain/months.js';
import type { Channel } from '../src/domain/types.js';
import type { DeliverJobData } from '../src/queues/names.js';
import { enqueueFollowUps } from '../src/queues/queues.js';

export interface DeliverJobResult {
  settled: Record<string, number>;
  followUps: number;
}

export interface DeliverJobDeps extends DeliverDeps {
  retry: { maxAttempts: number; backoffMs: number };
}

export function deliverProcessor<C extends Channel>(deps: DeliverJobDeps, transport: Transport<C>, queue: Queue<DeliverJobData>, worker: () => Worker) {
  return async (job: Job<DeliverJobData>): Promise<DeliverJobResult> => {
    const attempt = job.data.attempt ?? 0;
    const batch = { deliveryIds: job.data.deliveryIds, months: monthsFromJson(job.data.months) };
    const run = await deliverBatch(deps, batch, transport, { last: attempt + 1 >= deps.retry.maxAttempts });
    const { followUps } = run;
    await enqueueFollowUps(queue, followUps, { jobId: job.id ?? `deliver-${Date.now()}`, attempt, now: deps.clock.now(), retry: deps.retry, months: run.months });
    if (followUps.retryAfterMs !== undefined) {
      deps.logger.info({ queue: job.queueName, retry_after_ms: followUps.retryAfterMs }, 'provider asked us to slow down');
      await worker().rateLimit(followUps.retryAfterMs);
    }
    return { settled: Object.fromEntries(run.settled), followUps: followUps.scheduled.length + followUps.retry.length };
  };
}
