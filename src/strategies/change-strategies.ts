// Changing the strategies: seeding them from the policy file, putting, promoting and retiring
// one. Each change is one transaction that locks the revision, checks the rules against the
// stored set, writes, raises the revision and records the change in the audit log.
import { isDeepStrictEqual } from 'node:util';
import { recordAudit } from '../db/audit.js';
import { withTransaction, type Pool, type PoolClient } from '../db/pool.js';
import {
  deleteStrategy,
  findStrategy,
  loadStrategies,
  lockStrategyRevision,
  raiseStrategyRevision,
  setChampion,
  upsertStrategy,
  type StoredStrategy,
} from '../db/strategies.js';
import { conflictWith, type Strategy } from '../domain/strategies.js';
import { InputError } from '../errors.js';
import type { PolicyFile } from './policy-file.js';

export interface Change {
  /** who asks: the authenticated role */
  actor: string;
  at: Date;
}

async function changeStrategies<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await lockStrategyRevision(client);
    return work(client);
  });
}

const summary = (s: Strategy) => ({ weight: s.weight, champion: s.champion, policy_version: s.policy.version });

/**
 * Stores the file's strategies when the strategies table is empty (the first start of a fresh
 * database, whichever process gets there first); afterwards the stored strategies are the ones
 * in force and the file is not read for them again. Returns whether it seeded.
 */
export async function seedStrategies(pool: Pool, file: PolicyFile, at: Date): Promise<boolean> {
  return changeStrategies(pool, async (client) => {
    if ((await loadStrategies(client)).strategies.length > 0) return false;
    for (const strategy of file.strategies) {
      await upsertStrategy(client, strategy, at);
      await recordAudit(client, { at, actor: 'system', action: 'strategy.seed', subject: strategy.name, details: { source: file.source, ...summary(strategy), policy: strategy.policy } });
    }
    await raiseStrategyRevision(client, at);
    return true;
  });
}

/**
 * Creates a challenger, or replaces the weight and policy of an existing strategy (the champion
 * stays the champion). 400 naming the field when it breaks a rule the set shares.
 */
export async function putStrategy(pool: Pool, strategy: Omit<Strategy, 'champion'>, change: Change): Promise<{ created: boolean; strategy: StoredStrategy }> {
  return changeStrategies(pool, async (client) => {
    const { strategies } = await loadStrategies(client);
    const previous = strategies.find((s) => s.name === strategy.name);
    if (previous && previous.policy.version === strategy.policy.version && !isDeepStrictEqual(previous.policy, strategy.policy)) {
      throw new InputError(`policy.version: ${strategy.policy.version} is the version of the policy ${strategy.name} has now, which differs: a changed policy needs a new version`);
    }
    for (const other of strategies.filter((s) => s.name !== strategy.name)) {
      const conflict = conflictWith(strategy.policy, other);
      if (conflict) throw new InputError(`${conflict.path.join('.')}: ${conflict.message}`);
    }
    const stored = { ...strategy, champion: previous?.champion ?? false };
    await upsertStrategy(client, stored, change.at);
    await raiseStrategyRevision(client, change.at);
    await recordAudit(client, {
      ...change,
      action: 'strategy.put',
      subject: strategy.name,
      details: { created: !previous, ...summary(stored), policy: stored.policy, previous: previous ? { ...summary(previous), policy: previous.policy } : null },
    });
    return { created: !previous, strategy: (await findStrategy(client, strategy.name))! };
  });
}

/** Makes the strategy the champion; the former champion stays on as a challenger with its weight. */
export async function promoteStrategy(pool: Pool, name: string, change: Change): Promise<StoredStrategy> {
  return changeStrategies(pool, async (client) => {
    const { strategies } = await loadStrategies(client);
    const strategy = strategies.find((s) => s.name === name);
    if (!strategy) throw new InputError(`no strategy named ${name}`, 404);
    if (!strategy.champion) {
      const former = strategies.find((s) => s.champion);
      await setChampion(client, name, change.at);
      await raiseStrategyRevision(client, change.at);
      await recordAudit(client, { ...change, action: 'strategy.promote', subject: name, details: { ...summary(strategy), previous_champion: former?.name ?? null } });
    }
    return (await findStrategy(client, name))!;
  });
}

/** Retires a challenger: its customers fall in the remaining strategies from the next decision on. */
export async function retireStrategy(pool: Pool, name: string, change: Change): Promise<StoredStrategy> {
  return changeStrategies(pool, async (client) => {
    const strategy = await findStrategy(client, name);
    if (!strategy) throw new InputError(`no strategy named ${name}`, 404);
    if (strategy.champion) throw new InputError(`${name} is the champion and cannot be retired: promote another strategy first`, 409);
    await deleteStrategy(client, name);
    await raiseStrategyRevision(client, change.at);
    await recordAudit(client, { ...change, action: 'strategy.retire', subject: name, details: { ...summary(strategy), policy: strategy.policy } });
    return strategy;
  });
}
