// deliver-email / deliver-sms / deliver-app / deliver-phone: one processor shape for every
// channel queue; what differs per channel is its transport (src/channels/). A job carries a
// batch of one evaluation's deliveries, or a single one. A batch settles what it can and puts
// the rest back (quiet hours, retries) as follow-up jobs. For a single delivery, quiet hours move the
// job to the delayed set; a provider's Retry-After pauses the whole queue (its rate limit is
// per account, not per message); other retryable failures use the job's backoff.
import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import { UnusableMessageError } from '../src/channels/stored-messages.js';
import { deliver, deliverBatch, RetryLater, type BatchResult, type DeliverDeps, type DeliverResult, type Transport } from '../src/delivery/deliver.js';
import type { Logger } from '../src/logger.js';
import type { DeliverJobData } from '../src/queues/names.js';
import { enqueueFollowUps, enqueueOneByOne } from '../src/queues/queues.js';

export type DeliverJobResult = DeliverResult | { kind: 'batch'; settled: Record<string, number>; followUps: number };

export interface DeliverJobDeps extends DeliverDeps {
  logger: Logger;
  retry: { maxAttempts: number; backoffMs: number };
}

export function deliverProcessor(deps: DeliverJobDeps, transport: Transport, queue: Queue<DeliverJobData>, worker: () => Worker) {
  return async (job: Job<DeliverJobData>, token?: string): Promise<DeliverJobResult> => {
    const [only, ...more] = job.data.deliveryIds;
    if (only === undefined) return { kind: 'skipped', reason: 'no deliveries' };
    if (more.length > 0) return deliverBatchJob(deps, transport, queue, worker, job);

    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let result: DeliverResult;
    try {
      result = await deliver(deps, only, transport, { last });
    } catch (error) {
      if (error instanceof RetryLater && error.retryAfterMs !== undefined) {
        deps.logger.info({ queue: job.queueName, delivery_id: only, retry_after_ms: error.retryAfterMs }, 'provider asked us to slow down');
        await worker().rateLimit(error.retryAfterMs);
        throw Worker.RateLimitError();
      }
      // A broken stored message cannot be mended by retrying; anything else (a database or
      // Redis hiccup) retries with the job's backoff, and a claimed send left behind becomes
      // unknown on the last attempt rather than staying 'sending'.
      if (error instanceof UnusableMessageError) throw new UnrecoverableError(error.message);
      throw error;
    }
    if (result.kind === 'settled') deps.metrics?.settled.inc({ channel: job.queueName, status: result.status });
    if (result.kind === 'delayed') {
      // The clock may be a test's; the delay is what matters to the queue.
      const delayMs = Math.max(0, result.until.getTime() - deps.clock.now().getTime());
      await job.moveToDelayed(Date.now() + delayMs, token);
      deps.logger.debug({ queue: job.queueName, delivery_id: only, until: result.until }, 'waiting for quiet hours to end');
      throw new DelayedError();
    }
    return result;
  };
}

async function deliverBatchJob(
  deps: DeliverJobDeps,
  transport: Transport,
  queue: Queue<DeliverJobData>,
  worker: () => Worker,
  job: Job<DeliverJobData>,
): Promise<DeliverJobResult> {
  const attempt = job.data.attempt ?? 0;
  const batchJobId = job.id ?? `deliver-${Date.now()}`;
  let batch: BatchResult;
  try {
    batch = await deliverBatch(deps, job.data.deliveryIds, transport, { last: attempt + 1 >= deps.retry.maxAttempts });
  } catch (error) {
    // A local write refused a stored message: nothing of it was committed, so each delivery
    // goes to the single path, which fails the broken one and delivers the others. Anything
    // else (a database hiccup) retries the batch, which settles any claim left behind.
    if (!(error instanceof UnusableMessageError)) throw error;
    deps.logger.warn({ queue: job.queueName, err: error.message }, 'a batch holds an unusable message; delivering its deliveries one by one');
    await enqueueOneByOne(queue, job.data.deliveryIds, batchJobId);
    return { kind: 'batch', settled: {}, followUps: job.data.deliveryIds.length };
  }
  for (const [status, n] of batch.settled) deps.metrics?.settled.inc({ channel: job.queueName, status }, n);
  await enqueueFollowUps(queue, batch, { batchJobId, attempt, now: deps.clock.now(), retry: deps.retry });
  if (batch.retryAfterMs !== undefined) {
    deps.logger.info({ queue: job.queueName, retry_after_ms: batch.retryAfterMs }, 'provider asked us to slow down');
    await worker().rateLimit(batch.retryAfterMs);
  }
  return { kind: 'batch', settled: Object.fromEntries(batch.settled), followUps: batch.scheduled.length + batch.retry.length };
}
