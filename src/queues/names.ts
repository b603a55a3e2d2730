// Queue names and the job payloads they carry.
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
}

/**
 * BullMQ prefix: the hash tag braces keep every key of every queue in one Redis Cluster slot,
 * which BullMQ's multi-key scripts require.
 */
export function bullPrefix(queuePrefix: string): string {
  return `{${queuePrefix}}`;
}
