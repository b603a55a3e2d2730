// The long-lived parts a process needs (pool, queue store, queues, policy, secrets), built once
// from the config and closed in reverse order.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createPool, type Pool } from '../db/pool.js';
import { getOrCreateSecret } from '../db/secrets.js';
import { hashPendingSuppressions } from '../db/suppressions.js';
import type { Policy } from '../domain/policy.js';
import type { MessageSettings } from '../evaluation/evaluate-scores.js';
import { loadPolicy } from '../evaluation/policy-file.js';
import { openQueueStore, type QueueStore } from '../queues/connection.js';
import { createQueues, type Queues } from '../queues/queues.js';

export interface Runtime {
  config: Config;
  pool: Pool;
  queueStore: QueueStore;
  queues: Queues;
  policy: Policy;
  messages: MessageSettings;
  /** the key of the addresses' hashes under which opt-outs are kept (src/domain/address-hash.ts) */
  addressKey: string;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const policy = loadPolicy(config.policyFile, { holdoutPercent: config.holdoutPercent });
  const pool = createPool(config.databaseUrl, config.databasePoolSize, logger);
  const queueStore = openQueueStore({ backend: config.queueBackend, redisUrl: config.redisUrl, databaseUrl: config.databaseUrl });
  const queues = createQueues(queueStore.connection(), config.queuePrefix, config.delivery);
  // A dropped connection is BullMQ's to recover from; without a listener it would print a bare stack.
  for (const queue of queues.all()) queue.on('error', (error) => logger.warn({ queue: queue.name, err: error.message }, 'queue connection error'));
  const signingSecret = config.signingSecret ?? (await getOrCreateSecret(pool, 'unsubscribe_signing_key'));
  // A key of its own, never rotated: with another key no stored opt-out would be found again.
  const addressKey = await getOrCreateSecret(pool, 'suppression_address_key');
  const pending = await hashPendingSuppressions(pool, addressKey);
  if (pending > 0) logger.info({ suppressions: pending }, 'suppressions recorded before opt-outs were kept by address are now keyed by address');
  return {
    config,
    pool,
    queueStore,
    queues,
    policy,
    messages: { publicBaseUrl: config.publicBaseUrl, signingSecret, sender: config.sender },
    addressKey,
    async close() {
      await queues.close();
      await queueStore.close();
      await pool.end();
    },
  };
}
