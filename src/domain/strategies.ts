// Champion and challengers (SPEC §12): a strategy is a complete policy with a name and a traffic
// weight. This module says what a valid set of strategies is, and which strategy decides for a
// customer. Pure: the policy file and the API both validate with it.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { assignArm } from './assignment.js';
import { policySchema, type Policy } from './policy.js';

export interface Strategy {
  name: string;
  /** a positive share of the customers; weights are normalised, they need not sum to 100 */
  weight: number;
  champion: boolean;
  policy: Policy;
}

/** The strategies in force with the experiment's salt. Exactly one is the champion. */
export interface StrategySet {
  salt: string;
  strategies: readonly Strategy[];
  champion: Strategy;
}

/** The name a plain policy file's policy gets: the champion, at weight 100. */
export const DEFAULT_STRATEGY_NAME = 'default';
export const DEFAULT_STRATEGY_WEIGHT = 100;
/** The assignment salt when the policy file names none. */
export const DEFAULT_ASSIGNMENT_SALT = 'strategy-assignment-v1';

// Names appear in URL paths and in the assignment's hash input, where ':' separates the parts.
export const STRATEGY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const strategyNameSchema = z
  .string({ error: 'must be a name' })
  .regex(STRATEGY_NAME, 'must be 1-64 letters, digits, dashes or underscores, starting with a letter or digit');
export const weightSchema = z.number().positive('must be positive');

/** One entry of the policy file's `strategies:` list. */
export const strategySchema = z.strictObject({
  name: strategyNameSchema,
  weight: weightSchema,
  champion: z.boolean().default(false),
  policy: policySchema,
});

export interface SetIssue {
  /** which strategy of the list */
  index: number;
  /** the field, from the strategy's own root ('policy', 'holdout') */
  path: (string | number)[];
  message: string;
}

/**
 * The first rule `policy` breaks against another strategy of the same set, or null. What every
 * strategy must share: the holdout, which is chosen before the strategy (so that adding or
 * retiring a strategy never moves a customer in or out of it), and the response window, so
 * that every arm's responses are measured alike. And a version names one policy: two different
 * policies under one version would make the version a decision records meaningless.
 */
export function conflictWith(policy: Policy, other: Pick<Strategy, 'name' | 'policy'>): Omit<SetIssue, 'index'> | null {
  const theirs = other.policy;
  if (!isDeepStrictEqual(policy.holdout, theirs.holdout)) {
    return {
      path: ['policy', 'holdout'],
      message: `must be the same in every strategy, because the holdout is chosen before the strategy (${other.name} has percent ${theirs.holdout.percent}, salt ${theirs.holdout.salt})`,
    };
  }
  if (policy.responseWindowDays !== theirs.responseWindowDays) {
    return {
      path: ['policy', 'responseWindowDays'],
      message: `must be the same in every strategy, so that every arm's responses are measured alike (${other.name} has ${theirs.responseWindowDays})`,
    };
  }
  if (policy.version === theirs.version && !isDeepStrictEqual(policy, theirs)) {
    return { path: ['policy', 'version'], message: `${policy.version} is already the version of ${other.name}'s policy, which differs: give this policy a version of its own` };
  }
  return null;
}

/** Every rule a list of strategies breaks: exactly one champion, unique names, shared rules. */
export function strategySetIssues(strategies: readonly Pick<Strategy, 'name' | 'champion' | 'policy'>[]): SetIssue[] {
  const issues: SetIssue[] = [];
  const champions = strategies.flatMap((s, i) => (s.champion ? [i] : []));
  if (champions.length === 0 && strategies.length > 0) {
    issues.push({ index: 0, path: ['champion'], message: 'no strategy is the champion: mark exactly one with champion: true' });
  }
  for (const extra of champions.slice(1)) {
    issues.push({ index: extra, path: ['champion'], message: `only one strategy may be the champion, and ${strategies[champions[0]!]!.name} is` });
  }
  strategies.forEach((strategy, i) => {
    const earlier = strategies.findIndex((s) => s.name === strategy.name);
    if (earlier < i) {
      issues.push({ index: i, path: ['name'], message: `${strategy.name} is already the name of strategy ${earlier}` });
      return;
    }
    for (const other of strategies.slice(0, i)) {
      const conflict = conflictWith(strategy.policy, other);
      if (conflict) {
        issues.push({ index: i, ...conflict });
        break;
      }
    }
  });
  return issues;
}

/** A set ready to decide with; throws when it is not one (no champion, or two). */
export function makeStrategySet(strategies: readonly Strategy[], salt: string): StrategySet {
  const champions = strategies.filter((s) => s.champion);
  if (champions.length !== 1) throw new Error(`a strategy set needs exactly one champion, found ${champions.length} (${champions.map((s) => s.name).join(', ')})`);
  return { salt, strategies, champion: champions[0]! };
}

/**
 * The strategy that decides for this customer: the same one on every batch until the strategies
 * or the salt change. Held-out customers are assigned too (the holdout is the policy's own,
 * chosen from a separate hash), so that each strategy has a holdout of its own selection.
 */
export function strategyFor(set: StrategySet, customerId: string): Strategy {
  return set.strategies.length === 1 ? set.champion : assignArm(customerId, set.strategies, set.salt);
}

/** Each strategy's share of the customers, in percent. */
export function trafficShares(strategies: readonly Pick<Strategy, 'name' | 'weight'>[]): Map<string, number> {
  const total = strategies.reduce((sum, s) => sum + s.weight, 0);
  return new Map(strategies.map((s) => [s.name, (100 * s.weight) / total]));
}
