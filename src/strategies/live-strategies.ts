// The strategies in force, as a worker sees them: read from Postgres, kept in memory, and read
// again only when the revision counter has moved. An evaluation asks inside its own transaction,
// so every decision is made with the strategies of that moment, with no restart and no delay.
import type { Queryable } from '../db/pool.js';
import { loadStrategies, readStrategyRevision } from '../db/strategies.js';
import { withHoldoutPercent } from '../domain/policy.js';
import { makeStrategySet, type StrategySet } from '../domain/strategies.js';

export interface LiveStrategies {
  /** the experiment's assignment salt (from the policy file) */
  readonly salt: string;
  /** The strategies in force as `db` sees them: one row read when nothing changed. */
  current(db: Queryable): Promise<StrategySet>;
}

export interface LiveStrategiesOptions {
  salt: string;
  /** HOLDOUT_PERCENT: replaces every strategy's holdout share (they all share one) */
  holdoutPercent?: number | undefined;
  /** told of every (re)load, with the revision it stands for */
  onLoad?: (set: StrategySet, revision: number) => void;
}

export function liveStrategies(options: LiveStrategiesOptions): LiveStrategies {
  let loaded: { revision: number; set: StrategySet } | null = null;
  return {
    salt: options.salt,
    async current(db) {
      if (loaded && loaded.revision === (await readStrategyRevision(db))) return loaded.set;
      const { revision, strategies } = await loadStrategies(db);
      if (strategies.length === 0) throw new Error('no strategies are stored: the policy file seeds them when a process starts');
      const set = makeStrategySet(
        strategies.map(({ name, weight, champion, policy }) => ({ name, weight, champion, policy: withHoldoutPercent(policy, options.holdoutPercent) })),
        options.salt,
      );
      // Concurrent evaluations may both reload; the newer revision wins.
      if (!loaded || revision >= loaded.revision) loaded = { revision, set };
      options.onLoad?.(set, revision);
      return set;
    },
  };
}
