// Queue names and the job payloads they carry.
import type { MonthsJson } from '../domain/months.js';
import type { Channel } from '../domain/types.js';

/** Where the queues live: Redis, or the engine's own PostgreSQL database (BullMQ's PostgreSQL backend). */
export const QUEUE_BACKENDS = ['redis', 'postgres'] as const;
export type QueueBackend = (typeof QUEUE_BACKENDS)[number];

export const EVALUATE_QUEUE = 'evaluate-customer';
export const METRICS_QUEUE = 'metrics-snapshot';
export const RESPONSES_QUEUE = 'sweep-responses';
export const DELIVERY_QUEUES = {
  email: 'deliver-email',
  sms: 'deliver-sms',
  app_notification: 'deliver-app',
  phone: 'deliver-phone',
} as const satisfies Record<Channel, string>;

/** Every queue the engine works, in the order a worker process starts them. */
export const ALL_QUEUES = [EVALUATE_QUEUE, ...Object.values(DELIVERY_QUEUES), RESPONSES_QUEUE, METRICS_QUEUE] as const;
export type QueueName = (typeof ALL_QUEUES)[number];

/** A stored score to evaluate, named by its natural key. */
export interface ScoreRef {
  customerId: string;
  /** ISO 8601 instant */
  scoreDate: string;
}

export interface EvaluateJobData {
  scores: ScoreRef[];
}

/** One channel's deliveries: a single one (with its own retries), or a batch from one evaluation. */
export interface DeliverJobData {
  deliveryIds: number[];
  /** attempts a batch has already made at these deliveries (a batch's retry carries it) */
  attempt?: number;
  /**
   * The whole months holding these deliveries (their interventions' dates), so that the job's
   * statements are planned over those months' partitions alone. Jobs enqueued before it was
   * added carry none and are looked up over every month.
   */
  months?: MonthsJson;
}

/**
 * A queue's BullMQ prefix: a Redis Cluster hash tag of its own, `{QUEUE_PREFIX:queue}`. BullMQ's
 * scripts touch many keys of one queue at once, which a cluster allows only within one slot;
 * a tag per queue keeps each queue in one slot while the queues spread over the shards. Nothing
 * the engine does spans two queues in one command (a delivery's follow-up goes to its own
 * queue; an evaluation adds to the delivery queues one queue at a time; no flows).
 */
export function bullPrefix(queuePrefix: string, queue: QueueName): string {
  return `{${queuePrefix}:${queue}}`;
}

/** A Redis glob that matches every key of every queue under QUEUE_PREFIX. */
export function queueKeysPattern(queuePrefix: string): string {
  return `{${queuePrefix}:*`;
}
