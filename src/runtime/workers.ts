// Starts every worker of the engine, one queue-store connection each (a worker blocks on its
// connection while it waits for jobs). Closing waits for active jobs to finish: SIGTERM drains.
import { MetricsTime, Worker } from 'bullmq';
import { deliverProcessor } from '../../jobs/deliver.js';
import { evaluateCustomerProcessor } from '../../jobs/evaluate-customer.js';
import { MAINTAIN_PARTITIONS_JOB, MAINTAIN_PARTITIONS_JOB_OPTIONS, PARTITION_MAINTENANCE_EVERY_MS, maintainPartitionsProcessor } from '../../jobs/maintain-partitions.js';
import { metricsSnapshotProcessor } from '../../jobs/metrics-snapshot.js';
import { RESPONSES_SWEEP_EVERY_MS, sweepResponsesProcessor } from '../../jobs/sweep-responses.js';
import type { Clock } from '../clock.js';
import { staleSendingMs, type DeliveryMetrics } from '../delivery/deliver.js';
import { createTransports } from '../delivery/channel-transports.js';
import { CHANNELS, type Channel } from '../domain/types.js';
import type { Logger } from '../logger.js';
import { loadAllTemplates } from '../messages/render.js';
import { deliveryBatching, type DeliveryBatching } from '../queues/queues.js';
import { DELIVERY_QUEUES, EVALUATE_QUEUE, METRICS_QUEUE, RESPONSES_QUEUE, bullPrefix, type DeliverJobData, type QueueName } from '../queues/names.js';
import type { Runtime } from './runtime.js';

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

const DELIVERY_CONCURRENCY: Record<Channel, number> = { email: 10, sms: 10, app_notification: 4, phone: 2 };

/**
 * Starts the workers of the queues in WORKER_QUEUES. The message templates are read and checked
 * first, so that a missing or broken template stops start-up instead of failing the first batch.
 */
export function startWorkers(runtime: Runtime, deps: { clock: Clock; logger: Logger; metrics?: DeliveryMetrics }): RunningWorkers {
  const { config } = runtime;
  // The queue store closes the connections it hands out (BullMQ leaves them open), with the runtime.
  const base = (queue: QueueName) => {
    const connection = runtime.queueStore.connection();
    // BullMQ keeps per-minute completed/failed counts in Redis, which GET /metrics reports.
    // A job whose worker died is taken up again once its lock expires (JOB_LOCK_MS).
    return {
      connection,
      prefix: bullPrefix(config.queuePrefix, queue),
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      // BullMQ fails a job for good once it has stalled more than this (default 1): a worker
      // killed twice while holding it must not cost a customer their decision or delivery.
      maxStalledCount: 10,
    };
  };

  loadAllTemplates();
  const transports = createTransports(config);
  // A provider's rate limits its channel; a channel written to our own tables (the outbox when
  // a provider has no credentials, the inbox, agent tasks) goes as fast as the database.
  const providerRate: Record<Channel, number | null> = { email: config.sendgrid.ratePerSecond, sms: config.twilio.ratePerSecond, app_notification: null, phone: null };
  const batching = Object.fromEntries(
    CHANNELS.map((channel) => [channel, deliveryBatching(transports[channel].kind === 'provider' ? providerRate[channel] : null)]),
  ) as Record<Channel, DeliveryBatching>;
  const deliveryBatchSizes = Object.fromEntries(CHANNELS.map((channel) => [channel, batching[channel].batchSize])) as Record<Channel, number>;
  const workers: Worker[] = [];
  // WORKER_QUEUES lets an operator give queues processes of their own (evaluation apart from delivery, say).
  const works = (queue: QueueName) => config.workerQueues.includes(queue);
  if (works(EVALUATE_QUEUE)) {
    workers.push(
      new Worker(EVALUATE_QUEUE, evaluateCustomerProcessor({ ...runtime, deliveryBatchSizes, clock: deps.clock, logger: deps.logger }), {
        ...base(EVALUATE_QUEUE),
        concurrency: config.evaluateConcurrency,
      }),
    );
  }

  const deliveryDeps = {
    retry: config.delivery,
    pool: runtime.pool,
    clock: deps.clock,
    logger: deps.logger,
    staleSendingMs: staleSendingMs(config.providerTimeoutMs),
    addressKey: runtime.addressKey,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  };
  for (const channel of CHANNELS.filter((c) => works(DELIVERY_QUEUES[c]))) {
    const { jobsPerSecond } = batching[channel];
    const worker: Worker<DeliverJobData> = new Worker<DeliverJobData>(
      DELIVERY_QUEUES[channel],
      deliverProcessor(deliveryDeps, transports[channel], runtime.queues.deliveries[channel], () => worker),
      { ...base(DELIVERY_QUEUES[channel]), concurrency: DELIVERY_CONCURRENCY[channel], ...(jobsPerSecond ? { limiter: { max: jobsPerSecond, duration: 1_000 } } : {}) },
    );
    workers.push(worker);
  }

  if (works(RESPONSES_QUEUE)) {
    workers.push(new Worker(RESPONSES_QUEUE, sweepResponsesProcessor({ ...runtime, clock: deps.clock, logger: deps.logger }), { ...base(RESPONSES_QUEUE), concurrency: 1 }));
    // A job scheduler is one per queue whatever the number of workers that upsert it.
    void runtime.queues.responses
      .upsertJobScheduler('no-response-sweep', { every: RESPONSES_SWEEP_EVERY_MS }, { name: 'sweep' })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'could not schedule the response sweep'));
  }

  if (works(METRICS_QUEUE)) {
    // The metrics queue carries the engine's scheduled housekeeping: the snapshots, and the
    // partitions' maintenance (a job of its own name).
    const snapshot = metricsSnapshotProcessor({ pool: runtime.pool, clock: deps.clock, logger: deps.logger, everyMs: config.metricsEveryMs });
    const partitions = maintainPartitionsProcessor({ pool: runtime.pool, clock: deps.clock, logger: deps.logger, retentionMonths: config.retentionMonths });
    workers.push(
      new Worker(METRICS_QUEUE, (job) => (job.name === MAINTAIN_PARTITIONS_JOB ? partitions() : snapshot(job)), {
        ...base(METRICS_QUEUE),
        concurrency: 1,
      }),
    );
    void runtime.queues.metrics
      .upsertJobScheduler('metrics-snapshot', { every: config.metricsEveryMs }, { name: 'snapshot' })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'could not schedule the metrics snapshot'));
    void runtime.queues.metrics
      .upsertJobScheduler(MAINTAIN_PARTITIONS_JOB, { every: PARTITION_MAINTENANCE_EVERY_MS }, { name: MAINTAIN_PARTITIONS_JOB, opts: MAINTAIN_PARTITIONS_JOB_OPTIONS })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'could not schedule the partitions maintenance'));
  }

  for (const worker of workers) {
    worker.on('failed', (job, error) => deps.logger.warn({ queue: worker.name, job_id: job?.id, attempts: job?.attemptsMade, err: error.message }, 'job failed'));
    worker.on('error', (error) => deps.logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  return {
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
