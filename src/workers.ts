// Starts every worker of the engine, one queue-store connection each (a worker blocks on its
// connection while it waits for jobs). Closing waits for active jobs to finish: SIGTERM drains.
import { MetricsTime, Worker } from 'bullmq';
import { deliverProcessor } from '../jobs/deliver.js';
import { evaluateCustomerProcessor } from '../jobs/evaluate-customer.js';
import { MAINTAIN_PARTITIONS_JOB, MAINTAIN_PARTITIONS_JOB_OPTIONS, PARTITION_MAINTENANCE_EVERY_MS, maintainPartitionsProcessor } from '../jobs/maintain-partitions.js';
import { metricsSnapshotProcessor } from '../jobs/metrics-snapshot.js';
import { RESPONSES_SWEEP_EVERY_MS, sweepResponsesProcessor } from '../jobs/sweep-responses.js';
import { agentTaskTransport } from './channels/agent-tasks.js';
import { emailTransport, sendgridConfigured } from './channels/email.js';
import { inboxTransport } from './channels/inbox.js';
import { smsTransport, twilioConfigured } from './channels/sms.js';
import type { Clock } from './clock.js';
import { staleSendingMs, type Transport } from './delivery/deliver.js';
import { CHANNELS, type Channel } from './domain/types.js';
import type { Logger } from './logger.js';
import type { DeliveryMetrics } from './observability.js';
import { deliveryBatching, type DeliveryBatching } from './queues/queues.js';
import { DELIVERY_QUEUES, EVALUATE_QUEUE, METRICS_QUEUE, RESPONSES_QUEUE, bullPrefix, type DeliverJobData, type QueueName } from './queues/names.js';
import type { Runtime } from './runtime.js';

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

const DELIVERY_CONCURRENCY: Record<Channel, number> = { email: 10, sms: 10, app_notification: 4, phone: 2 };


export function startWorkers(runtime: Runtime, deps: { clock: Clock; logger: Logger; metrics?: DeliveryMetrics }): RunningWorkers {
  const { config } = runtime;
  // The queue store closes the connections it hands out (BullMQ leaves them open), with the runtime.
  const base = () => {
    const connection = runtime.queueStore.connection();
    // BullMQ keeps per-minute completed/failed counts in Redis, which GET /metrics reports.
    // A job whose worker died is taken up again once its lock expires (JOB_LOCK_MS).
    return {
      connection,
      prefix: bullPrefix(config.queuePrefix),
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      // BullMQ fails a job for good once it has stalled more than this (default 1): a worker
      // killed twice while holding it must not cost a customer their decision or delivery.
      maxStalledCount: 10,
    };
  };

  const transports: Record<Channel, Transport> = {
    email: emailTransport(config),
    sms: smsTransport(config),
    app_notification: inboxTransport,
    phone: agentTaskTransport,
  };
  // A provider's rate limits its channel; a channel written to our own tables (the outbox when
  // a provider has no credentials, the inbox, agent tasks) goes as fast as the database.
  const rateOf = (channel: Channel, ratePerSecond: number) => (transports[channel].kind === 'provider' ? ratePerSecond : null);
  const batching: Record<Channel, DeliveryBatching> = {
    email: deliveryBatching(rateOf('email', config.sendgrid.ratePerSecond)),
    sms: deliveryBatching(rateOf('sms', config.twilio.ratePerSecond)),
    app_notification: deliveryBatching(null),
    phone: deliveryBatching(null),
  };
  const deliveryBatchSizes: Record<Channel, number> = {
    email: batching.email.batchSize,
    sms: batching.sms.batchSize,
    app_notification: batching.app_notification.batchSize,
    phone: batching.phone.batchSize,
  };
  const workers: Worker[] = [];
  // WORKER_QUEUES lets an operator give queues processes of their own (evaluation apart from delivery, say).
  const works = (queue: QueueName) => config.workerQueues.includes(queue);
  if (works(EVALUATE_QUEUE)) {
    workers.push(
      new Worker(EVALUATE_QUEUE, evaluateCustomerProcessor({ ...runtime, deliveryBatchSizes, clock: deps.clock, logger: deps.logger }), {
        ...base(),
        concurrency: config.evaluateConcurrency,
      }),
    );
  }

  const deliveryDeps = {
    retry: config.delivery,
    pool: runtime.pool,
    policy: runtime.policy,
    clock: deps.clock,
    logger: deps.logger,
    staleSendingMs: staleSendingMs(config.providerTimeoutMs),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  };
  for (const channel of CHANNELS.filter((c) => works(DELIVERY_QUEUES[c]))) {
    const { jobsPerSecond } = batching[channel];
    const worker: Worker<DeliverJobData> = new Worker<DeliverJobData>(
      DELIVERY_QUEUES[channel],
      deliverProcessor(deliveryDeps, transports[channel], runtime.queues.deliveries[channel], () => worker),
      { ...base(), concurrency: DELIVERY_CONCURRENCY[channel], ...(jobsPerSecond ? { limiter: { max: jobsPerSecond, duration: 1_000 } } : {}) },
    );
    workers.push(worker);
  }

  if (works(RESPONSES_QUEUE)) {
    workers.push(new Worker(RESPONSES_QUEUE, sweepResponsesProcessor({ ...runtime, clock: deps.clock, logger: deps.logger }), { ...base(), concurrency: 1 }));
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
      new Worker(METRICS_QUEUE, (job) => (job.name === MAINTAIN_PARTITIONS_JOB ? partitions() : snapshot()), {
        ...base(),
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

/** Which providers are live and which fall back to the outbox; said once at start-up. */
export function describeTransports(runtime: Runtime): string {
  const email = sendgridConfigured(runtime.config) ? 'SendGrid' : 'outbox (no SENDGRID_API_KEY / SENDGRID_FROM_EMAIL)';
  const sms = twilioConfigured(runtime.config) ? 'Twilio' : 'outbox (no TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_FROM_NUMBER)';
  return `email via ${email}; sms via ${sms}`;
}
