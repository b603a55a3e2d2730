// The engine's queues and their producers. Job ids are derived from what enqueued the job (an
// ingestion's batch, an evaluation job, a delivery batch job), so that a retried producer adds
// nothing twice, while work enqueued anew is never mistaken for a finished job Redis still keeps.
// Doing the same work twice is harmless in any case: a score is decided once (a unique key), and
// a delivery is sent once (its claim).
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { DeliveryFollowUps } from '../domain/delivery-plan.js';
import { monthsHolding, monthsToJson, type Months } from '../domain/months.js';
import type { Channel } from '../domain/types.js';
import {
  DELIVERY_QUEUES,
  EVALUATE_QUEUE,
  METRICS_QUEUE,
  RESPONSES_QUEUE,
  bullPrefix,
  type DeliverJobData,
  type EvaluateJobData,
  type QueueName,
  type ScoreRef,
} from './names.js';

export interface Queues {
  evaluate: Queue<EvaluateJobData>;
  deliveries: Record<Channel, Queue<DeliverJobData>>;
  metrics: Queue;
  responses: Queue;
  all(): Queue[];
  close(): Promise<void>;
}

const RETAIN = {
  // Completed jobs stay an hour so that a re-sent batch is recognised by job id; the
  // decisions table's unique key covers anything older.
  removeOnComplete: { age: 3_600, count: 100_000 },
  removeOnFail: { age: 7 * 86_400 },
} satisfies JobsOptions;

export const EVALUATE_JOB_OPTIONS = {
  ...RETAIN,
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
} satisfies JobsOptions;

/** Exponential backoff with jitter, so that retries of many deliveries do not arrive together. */
export function deliverJobOptions(retry: { maxAttempts: number; backoffMs: number }): JobsOptions {
  return { ...RETAIN, attempts: retry.maxAttempts, backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 } };
}

export function createQueues(connection: ConnectionOptions, queuePrefix: string, retry = { maxAttempts: 8, backoffMs: 2_000 }): Queues {
  const DELIVER_JOB_OPTIONS = deliverJobOptions(retry);
  const opts = (queue: QueueName) => ({ connection, prefix: bullPrefix(queuePrefix, queue) });
  const evaluate = new Queue<EvaluateJobData>(EVALUATE_QUEUE, { ...opts(EVALUATE_QUEUE), defaultJobOptions: EVALUATE_JOB_OPTIONS });
  const deliveries = {
    email: new Queue<DeliverJobData>(DELIVERY_QUEUES.email, { ...opts(DELIVERY_QUEUES.email), defaultJobOptions: DELIVER_JOB_OPTIONS }),
    sms: new Queue<DeliverJobData>(DELIVERY_QUEUES.sms, { ...opts(DELIVERY_QUEUES.sms), defaultJobOptions: DELIVER_JOB_OPTIONS }),
    app_notification: new Queue<DeliverJobData>(DELIVERY_QUEUES.app_notification, { ...opts(DELIVERY_QUEUES.app_notification), defaultJobOptions: DELIVER_JOB_OPTIONS }),
    phone: new Queue<DeliverJobData>(DELIVERY_QUEUES.phone, { ...opts(DELIVERY_QUEUES.phone), defaultJobOptions: DELIVER_JOB_OPTIONS }),
  };
  const scheduled = { removeOnComplete: 100, removeOnFail: 100 };
  const metrics = new Queue(METRICS_QUEUE, { ...opts(METRICS_QUEUE), defaultJobOptions: scheduled });
  const responses = new Queue(RESPONSES_QUEUE, { ...opts(RESPONSES_QUEUE), defaultJobOptions: scheduled });
  const all = () => [evaluate, ...Object.values(deliveries), metrics, responses];
  return {
    evaluate,
    deliveries,
    metrics,
    responses,
    all,
    async close() {
      await Promise.all(all().map((queue) => queue.close()));
    },
  };
}

/** The trigger route's evaluate job id for one score: derived from (customer, score_date). BullMQ forbids ':'. */
export function evaluateJobId(ref: ScoreRef): string {
  return `e-${Date.parse(ref.scoreDate)}-${Buffer.from(ref.customerId).toString('base64url')}`;
}

/**
 * Evaluations for scores an ingestion stored. Scores travel in chunks: one job evaluates its
 * chunk with set-based SQL (one read, one write per table), which is what lets a nightly batch
 * of millions clear in minutes. Job ids derive from the ingestion's batch id (random) and the
 * scores: unique to this ingestion, so that no job retained from an earlier one (Redis keeps
 * finished jobs an hour) can stand in for it; evaluating a score twice decides it once.
 */
export async function enqueueEvaluations(queues: Queues, refs: readonly ScoreRef[], batchId: string, chunkSize = EVALUATE_CHUNK_SIZE): Promise<void> {
  const jobs = [];
  for (let i = 0; i < refs.length; i += chunkSize) {
    const scores = refs.slice(i, i + chunkSize);
    const hash = createHash('sha256').update(batchId);
    for (const ref of scores) hash.update(`\n${ref.customerId}\u0000${Date.parse(ref.scoreDate)}`);
    jobs.push({ name: 'evaluate', data: { scores }, opts: { jobId: `c-${scores.length}-${hash.digest('base64url').slice(0, 32)}` } });
  }
  if (jobs.length > 0) await queues.evaluate.addBulk(jobs);
}

// Measured with `npm run bench` (evaluation-only workers, 2 cores): 100 → 2,300–2,700
// decisions/s, 250 → 3,380, 500 → 3,270. Larger chunks also fill the delivery batches better.
export const EVALUATE_CHUNK_SIZE = 250;

export interface DeliveryToEnqueue {
  deliveryId: number;
  interventionDate: Date;
  channel: Channel;
}

/**
 * How deliveries travel: a batch job carries up to `batchSize` of one channel's deliveries, and
 * a provider's queue runs at most `jobsPerSecond` jobs a second (BullMQ's limiter counts jobs,
 * across every worker), so that batchSize × jobsPerSecond never exceeds the provider's rate.
 */
export interface DeliveryBatching {
  batchSize: number;
  /** null: no limit (the inbox and agent tasks are our own tables) */
  jobsPerSecond: number | null;
}

export const MAX_DELIVERY_BATCH = 50;

export function deliveryBatching(sendsPerSecond: number | null): DeliveryBatching {
  if (sendsPerSecond === null) return { batchSize: MAX_DELIVERY_BATCH, jobsPerSecond: null };
  const jobsPerSecond = Math.ceil(sendsPerSecond / MAX_DELIVERY_BATCH);
  return { batchSize: Math.max(1, Math.floor(sendsPerSecond / jobsPerSecond)), jobsPerSecond };
}

/**
 * The deliveries of one evaluation job, on their channels' queues, in batches (set-based SQL, a
 * few provider calls at a time). Job ids derive from the evaluation job's id, so that a retried
 * evaluation enqueues nothing twice, and never from delivery ids alone, which a restored or
 * recreated database hands out again.
 */
export async function enqueueDeliveries(
  queues: Queues,
  deliveries: readonly DeliveryToEnqueue[],
  batchSizes: Record<Channel, number>,
  evaluationJobId: string,
): Promise<void> {
  const byChannel = new Map<Channel, DeliveryToEnqueue[]>();
  for (const delivery of deliveries) {
    const list = byChannel.get(delivery.channel) ?? [];
    list.push(delivery);
    byChannel.set(delivery.channel, list);
  }
  await Promise.all(
    [...byChannel].map(([channel, list]) => {
      const jobs = [];
      for (let i = 0; i < list.length; i += batchSizes[channel]) {
        const batch = list.slice(i, i + batchSizes[channel]);
        const data = { deliveryIds: batch.map((d) => d.deliveryId), months: monthsToJson(monthsHolding(batch.map((d) => d.interventionDate))) };
        jobs.push({ name: channel, data, opts: { jobId: `${evaluationJobId}-${channel}-${i / batchSizes[channel]}` } });
      }
      return queues.deliveries[channel].addBulk(jobs);
    }),
  );
}

/**
 * What a delivery job could not settle, back on its queue: deliveries waiting for quiet hours in
 * one job per opening time; those to retry in one job after the provider's Retry-After or the
 * backoff (exponential, with jitter so that retries do not arrive together), carrying the
 * attempts made so far, and the months of the deliveries the job found (null: it found none).
 */
export async function enqueueFollowUps(
  queue: Queue<DeliverJobData>,
  followUps: DeliveryFollowUps,
  context: { jobId: string; attempt: number; now: Date; retry: { maxAttempts: number; backoffMs: number }; months: Months | null },
): Promise<void> {
  const jobs: { name: string; data: DeliverJobData; opts: JobsOptions }[] = [];
  // Named after the job and what they are for, so that a retried job adds each once.
  const follow = (deliveryIds: number[], runAt: Date, attempt: number, purpose: string) => {
    const delay = Math.max(0, runAt.getTime() - context.now.getTime());
    const jobId = `${context.jobId}-${purpose}`;
    const attempts = Math.max(1, context.retry.maxAttempts - attempt);
    const data: DeliverJobData = { deliveryIds };
    if (attempt > 0) data.attempt = attempt;
    if (context.months) data.months = monthsToJson(context.months);
    jobs.push({ name: queue.name, data, opts: { jobId, delay, attempts } });
  };
  const byOpening = new Map<number, number[]>();
  for (const { deliveryId, until } of followUps.scheduled) byOpening.set(until.getTime(), [...(byOpening.get(until.getTime()) ?? []), deliveryId]);
  for (const [opening, ids] of byOpening) follow(ids, new Date(opening), context.attempt, `q${opening}`);
  if (followUps.retry.length > 0) {
    const backoffMs = context.retry.backoffMs * 2 ** context.attempt * (1 - Math.random() / 2);
    follow(followUps.retry, new Date(context.now.getTime() + Math.max(followUps.retryAfterMs ?? 0, backoffMs)), context.attempt + 1, `a${context.attempt + 1}`);
  }
  if (jobs.length > 0) await queue.addBulk(jobs);
}
