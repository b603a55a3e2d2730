// Comparing strategies (SPEC §12): for each strategy, its default rate, its uplift against its
// own holdout and its difference from the champion, each with a 95% interval clustered by
// customer. Pure: the database hands over sums per group, this turns them into figures.
import { clusteredDifference, clusteredRate, type ClusterSums, type CrossSums, type Estimate } from './metrics.js';

/** One group's sums: a strategy's treated (holdout false) or held-out interventions in the window. */
export interface StrategyGroupSums extends ClusterSums {
  strategy: string;
  holdout: boolean;
  /** every intervention of the group in the window, matured or not */
  total: number;
}

/** Sums over the customers found in two groups (a customer can move between strategies). */
export interface StrategyCrossSums extends CrossSums {
  a_strategy: string;
  a_holdout: boolean;
  b_strategy: string;
  b_holdout: boolean;
}

export interface StrategyMetrics {
  strategy: string;
  /** the champion now */
  champion: boolean;
  /** still in the strategy set; false once retired (its interventions are still measured) */
  active: boolean;
  /** treated (not holdout) interventions in the window */
  total_interventions: number;
  matured_interventions: number;
  maturing_interventions: number;
  defaults_occurred: number;
  prevented_defaults: number;
  /** customers behind the matured treated interventions: the clusters */
  treated_customers: number;
  holdout_interventions: number;
  holdout_matured: number;
  holdout_defaults: number;
  holdout_customers: number;
  /** matured treated interventions followed by a default within the outcome window */
  default_rate: Estimate;
  holdout_default_rate: Estimate;
  /** this strategy's holdout default rate minus its treated one: what its outreach prevented */
  uplift_vs_holdout: Estimate;
  /** the champion's treated default rate minus this strategy's: positive when it defaults less; null for the champion */
  difference_vs_champion: Estimate | null;
}

const EMPTY: ClusterSums = { clusters: 0, n: 0, y: 0, yy: 0, yn: 0, nn: 0 };

export function compareStrategies(
  groups: readonly StrategyGroupSums[],
  crosses: readonly StrategyCrossSums[],
  current: { champion: string | null; active: readonly string[] },
): StrategyMetrics[] {
  const group = (strategy: string, holdout: boolean) => groups.find((g) => g.strategy === strategy && g.holdout === holdout) ?? { ...EMPTY, strategy, holdout, total: 0 };
  const cross = (a: StrategyGroupSums, b: StrategyGroupSums): CrossSums | undefined =>
    crosses.find((c) => c.a_strategy === a.strategy && c.a_holdout === a.holdout && c.b_strategy === b.strategy && c.b_holdout === b.holdout);
  const names = [...new Set([...current.active, ...groups.map((g) => g.strategy)])];
  const rank = (name: string) => (name === current.champion ? 0 : current.active.includes(name) ? 1 : 2);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  const championTreated = current.champion === null ? null : group(current.champion, false);
  return names.map((name) => {
    const treated = group(name, false);
    const held = group(name, true);
    return {
      strategy: name,
      champion: name === current.champion,
      active: current.active.includes(name),
      total_interventions: treated.total,
      matured_interventions: treated.n,
      maturing_interventions: treated.total - treated.n,
      defaults_occurred: treated.y,
      prevented_defaults: treated.n - treated.y,
      treated_customers: treated.clusters,
      holdout_interventions: held.total,
      holdout_matured: held.n,
      holdout_defaults: held.y,
      holdout_customers: held.clusters,
      default_rate: clusteredRate(treated),
      holdout_default_rate: clusteredRate(held),
      uplift_vs_holdout: clusteredDifference(held, treated, cross(held, treated)),
      difference_vs_champion:
        championTreated === null || name === current.champion ? null : clusteredDifference(championTreated, treated, cross(championTreated, treated)),
    };
  });
}
