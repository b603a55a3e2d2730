// What the web process's routes are given (passed in, never reached through globals).
import type { QueueEvents } from 'bullmq';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { MessageSettings } from '../evaluation/evaluate-scores.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { QueueStore } from '../queues/connection.js';
import type { Queues } from '../queues/queues.js';
import type { LiveStrategies } from '../strategies/live-strategies.js';
import type { Tokens } from './auth.js';

export interface WebDeps {
  config: Config;
  /** the admin token (generated at start-up when ADMIN_TOKEN is unset) and the optional viewer token */
  tokens: Tokens;
  pool: Pool;
  queueStore: QueueStore;
  queues: Queues;
  evaluateEvents: QueueEvents;
  /** the strategies in force (read from the database, with the assignment salt)  */
  strategies: LiveStrategies;
  /** the unsubscribe-link signing key lives here */
  messages: MessageSettings;
  /** the key of the addresses' hashes under which opt-outs are kept */
  addressKey: string;
  clock: Clock;
  logger: Logger;
  /** how long POST /trigger_intervention waits for the worker's decision */
  triggerTimeoutMs?: number;
}
