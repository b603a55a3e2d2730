// deliver-email / deliver-sms / deliver-app / deliver-phone: one processor shape for every
// channel queue; what differs per channel is its transport (src/channels/). Quiet hours move
// the job to the delayed set; a provider's Retry-After pauses the whole queue (its rate
// limit is per account, not per message); other retryable failures use the job's backoff.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { UnusableMessageError } from '../src/channels/stored-messages.js';
import { deliver, RetryLater, type DeliverDeps, type DeliverResult, type Transport } from '../src/delivery/deliver.js';
import type { Logger } from '../src/logger.js';
import type { DeliverJobData } from '../src/queues/names.js';

export function deliverProcessor(deps: DeliverDeps & { logger: Logger }, transport: Transport, worker: () => Worker) {
  return async (job: Job<DeliverJobData>, token?: string): Promise<DeliverResult> => {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let result: DeliverResult;
    try {
      result = await deliver(deps, job.data.deliveryId, transport, { last });
    } catch (error) {
      if (error instanceof RetryLater && error.retryAfterMs !== undefined) {
        deps.logger.info({ queue: job.queueName, delivery_id: job.data.deliveryId, retry_after_ms: error.retryAfterMs }, 'provider asked us to slow down');
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
      // The clock may be a test's; the delay is what matters to Redis.
      const delayMs = Math.max(0, result.until.getTime() - deps.clock.now().getTime());
      await job.moveToDelayed(Date.now() + delayMs, token);
      deps.logger.debug({ queue: job.queueName, delivery_id: job.data.deliveryId, until: result.until }, 'waiting for quiet hours to end');
      throw new DelayedError();
    }
    return result;
  };
}
