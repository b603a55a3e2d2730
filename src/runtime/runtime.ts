// The long-lived parts a process needs (pool, queue store, queues, strategies, secrets), built
// once from the config and closed in reverse order.
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { createPool, type Pool } from '../db/pool.js';
import { getOrCreateSecret } from '../db/secrets.js';
import { loadStrategies } from '../db/strategies.js';
import { hashPendingSuppressions } from '../db/suppressions.js';
import type { MessageSettings } from '../evaluation/evaluate-scores.js';
import { loadPolicyFile, type PolicyFile } from '../strategies/policy-file.js';
import { seedStrategies } from '../strategies/change-strategies.js';
import { liveStrategies, type LiveStrategies } from '../strategies/live-strategies.js';
import { openQueueStore, type QueueStore } from '../queues/connection.js';
import { createQueues, type Queues } from '../queues/queues.js';

export interface Runtime {
  config: Config;
  pool: Pool;
  queueStore: QueueStore;
  queues: Queues;
  /** the champion and challengers in force, reloaded when they change */
  strategies: LiveStrategies;
  messages: MessageSettings;
  /** the key of the addresses' hashes under which opt-outs are kept (src/domain/address-hash.ts) */
  addressKey: string;
  close(): Promise<void>;
}

/** `clock` dates what start-up records (the strategies' seed in the audit log). */
export async function createRuntime(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Runtime> {
  const file = loadPolicyFile(config.policyFile);
  const pool = createPool(config.databaseUrl, config.databasePoolSize, logger);
  if (!(await seedStrategies(pool, file, clock.now())) && config.policyFile !== undefined && (await fileDiffersFromStored(pool, file))) {
    logger.warn({ policy_file: config.policyFile }, 'the strategies stored in the database are in force; POLICY_FILE differs from them and is only read to seed an empty strategies table');
  }
  const strategies = liveStrategies({
    salt: file.salt,
    holdoutPercent: config.holdoutPercent,
    onLoad: (set, revision) =>
      logger.info({ revision, salt: set.salt, strategies: set.strategies.map((s) => `${s.name}${s.champion ? ' (champion)' : ''} ${s.weight} ${s.policy.version}`) }, 'strategies loaded'),
  });
  const queueStore = await openQueueStore({ backend: config.queueBackend, redisUrl: config.redisUrl, databaseUrl: config.databaseUrl });
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
    strategies,
    messages: { publicBaseUrl: config.publicBaseUrl, signingSecret, sender: config.sender },
    addressKey,
    async close() {
      await queues.close();
      await queueStore.close();
      await pool.end();
    },
  };
}

async function fileDiffersFromStored(pool: Pool, file: PolicyFile): Promise<boolean> {
  const stored = (await loadStrategies(pool)).strategies.map(({ name, weight, champion, policy }) => ({ name, weight, champion, policy }));
  const byName = (list: PolicyFile['strategies']) => [...list].sort((a, b) => a.name.localeCompare(b.name));
  return !isDeepStrictEqual(byName(stored), byName(file.strategies));
}
