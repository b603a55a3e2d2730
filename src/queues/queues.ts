// The engine's queues and their producers. Job ids are derived from what the job is about,
// so that enqueueing the same work twice while the first job is still known adds nothing.
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Channel } from '../domain/types.js';
import {
  DELIVERY_QUEUES,
  EVALUATE_QUEUE,
  METRICS_QUEUE,
  RESPONSES_QUEUE,
  bullPrefix,
  type DeliverJobData,
  type EvaluateJobData,
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
  const opts = { connection, prefix: bullPrefix(queuePrefix) };
  const evaluate = new Queue<EvaluateJobData>(EVALUATE_QUEUE, { ...opts, defaultJobOptions: EVALUATE_JOB_OPTIONS });
  const deliveries = {
    email: new Queue<DeliverJobData>(DELIVERY_QUEUES.email, { ...opts, defaultJobOptions: DELIVER_JOB_OPTIONS }),
    sms: new Queue<DeliverJobData>(DELIVERY_QUEUES.sms, { ...opts, defaultJobOptions: DELIVER_JOB_OPTIONS }),
    app_notification: new Queue<DeliverJobData>(DELIVERY_QUEUES.app_notification, { ...opts, defaultJobOptions: DELIVER_JOB_OPTIONS }),
    phone: new Queue<DeliverJobData>(DELIVERY_QUEUES.phone, { ...opts, defaultJobOptions: DELIVER_JOB_OPTIONS }),
  };
  const scheduled = { removeOnComplete: 100, removeOnFail: 100 };
  const metrics = new Queue(METRICS_QUEUE, { ...opts, defaultJobOptions: scheduled });
  const responses = new Queue(RESPONSES_QUEUE, { ...opts, defaultJobOptions: scheduled });
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

/** The evaluate job's id for one score: derived from (customer, score_date). BullMQ forbids ':'. */
export function evaluateJobId(ref: ScoreRef): string {
  return `e-${Date.parse(ref.scoreDate)}-${Buffer.from(ref.customerId).toString('base64url')}`;
}

export function deliverJobId(deliveryId: number): string {
  return `d-${deliveryId}`;
}

/** A chunk's job id: derived from the scores it carries, so the same chunk enqueued twice is one job. */
export function evaluateChunkJobId(refs: readonly ScoreRef[]): string {
  const hash = createHash('sha256');
  for (const ref of refs) hash.update(`${ref.customerId}\u0000${Date.parse(ref.scoreDate)}\n`);
  return `c-${refs.length}-${hash.digest('base64url').slice(0, 32)}`;
}

/**
 * Evaluations for a batch of scores. Scores travel in chunks: one job evaluates its chunk with
 * set-based SQL (one read, one write per table), which is what lets a nightly batch of millions
 * clear in minutes; a single score keeps the per-score job id that the trigger route shares.
 */
export async function enqueueEvaluations(queues: Queues, refs: readonly ScoreRef[], chunkSize = EVALUATE_CHUNK_SIZE): Promise<void> {
  if (refs.length === 0) return;
  if (refs.length === 1) {
    await queues.evaluate.add('evaluate', { scores: [refs[0]!] }, { jobId: evaluateJobId(refs[0]!) });
    return;
  }
  const jobs = [];
  for (let i = 0; i < refs.length; i += chunkSize) {
    const scores = refs.slice(i, i + chunkSize);
    jobs.push({ name: 'evaluate', data: { scores }, opts: { jobId: scores.length === 1 ? evaluateJobId(scores[0]!) : evaluateChunkJobId(scores) } });
  }
  await queues.evaluate.addBulk(jobs);
}

export const EVALUATE_CHUNK_SIZE = 100;

export interface DeliveryToEnqueue {
  deliveryId: number;
  channel: Channel;
}

/** One delivery job per delivery row, on its channel's queue. */
export async function enqueueDeliveries(queues: Queues, deliveries: readonly DeliveryToEnqueue[]): Promise<void> {
  const byChannel = new Map<Channel, DeliveryToEnqueue[]>();
  for (const delivery of deliveries) {
    const list = byChannel.get(delivery.channel) ?? [];
    list.push(delivery);
    byChannel.set(delivery.channel, list);
  }
  await Promise.all(
    [...byChannel].map(([channel, list]) =>
      queues.deliveries[channel].addBulk(
        list.map((d) => ({ name: channel, data: { deliveryId: d.deliveryId }, opts: { jobId: deliverJobId(d.deliveryId) } })),
      ),
    ),
  );
}
