// Effectiveness metrics, set-based, in four queries run side by side: two passes over the
// filter's interventions for the outcomes (totals by type, by strategy and overall; per customer
// for the strategies' clustered intervals), one over their channels and deliveries for the
// funnel, one over the decisions. An intervention's outcome is known once its 30-day window has
// passed (matured); until then it is counted as maturing, never as a success.
import type { ChannelFunnel } from '../domain/funnel.js';
import { periodDays, type MetricsFilter } from '../domain/metrics-filter.js';
import { holdoutUplift, rate, type Uplift } from '../domain/metrics.js';
import { compareStrategies, type StrategyCrossSums, type StrategyGroupSums, type StrategyMetrics } from '../domain/strategy-comparison.js';
import { INTERVENTION_TYPES, type Channel, type InterventionType } from '../domain/types.js';
import { deliveryFunnel } from './funnel.js';
import { OUTCOME_WINDOW_DAYS, SCOPED, scopeParams } from './intervention-scope.js';
import { jsonb, type Queryable } from './pool.js';
import { loadStrategies } from './strategies.js';

export { OUTCOME_WINDOW_DAYS };

/** The effectiveness figures of a group of interventions: all of them, or one type. */
export interface OutcomeFigures {
  /** treated (not holdout) interventions in the window */
  total_interventions: number;
  matured_interventions: number;
  maturing_interventions: number;
  prevented_defaults: number;
  defaults_occurred: number;
  success_rate: number | null;
  holdout_interventions: number;
  holdout_comparison: Uplift;
}

export interface TypeMetrics extends OutcomeFigures {
  intervention_type: string;
}

/**
 * The decisions on the period's scores (by their score date, the decisions' partition key, so that
 * only the period's months are read), by outcome. A channel filter does not apply: no channel is
 * chosen before the decision.
 */
export interface DecisionCounts {
  evaluated: number;
  intervention: number;
  holdout: number;
  no_intervention: number;
}

export interface InterventionMetrics extends OutcomeFigures {
  period_days: number;
  period_start: string;
  period_end: string;
  filters: { type: InterventionType | null; channel: Channel | null; strategy: string | null };
  measured_at: string;
  outcome_window_days: number;
  by_intervention_type: TypeMetrics[];
  /** champion first, then the other strategies; interventions decided before strategies existed are in the totals only */
  by_strategy: StrategyMetrics[];
  decisions: DecisionCounts;
  delivery_funnel: ChannelFunnel[];
}

/** grouping(intervention_type, strategy): which grouping set a row of outcomeTotals belongs to. */
const BY_TYPE = 1;
const BY_STRATEGY = 2;
const OVERALL = 3;

interface GroupRow {
  level: number;
  intervention_type: string | null;
  strategy: string | null;
  holdout: boolean;
  total: number;
  matured: number;
  defaults: number;
}

interface ClusterRow {
  cluster_sums: Omit<StrategyGroupSums, 'total'>[];
  crosses: StrategyCrossSums[];
}

/** Give it a pool: its four queries run side by side (one client would only queue them). */
export async function computeMetrics(db: Queryable, filter: MetricsFilter, now: Date): Promise<InterventionMetrics> {
  const [groups, clusters, decisions, funnel] = await Promise.all([
    outcomeTotals(db, filter, now),
    clusterSums(db, filter, now),
    countDecisions(db, filter),
    deliveryFunnel(db, filter, now),
  ]);
  const group = (type: string | null, holdout: boolean) =>
    groups.find((g) => (type === null ? g.level === OVERALL : g.level === BY_TYPE && g.intervention_type === type) && g.holdout === holdout) ?? {
      total: 0,
      matured: 0,
      defaults: 0,
    };

  const summarise = (type: string | null): OutcomeFigures => {
    const treated = group(type, false);
    const held = group(type, true);
    return {
      total_interventions: treated.total,
      matured_interventions: treated.matured,
      maturing_interventions: treated.total - treated.matured,
      prevented_defaults: treated.matured - treated.defaults,
      defaults_occurred: treated.defaults,
      success_rate: rate(treated.matured - treated.defaults, treated.matured),
      holdout_interventions: held.total,
      holdout_comparison: holdoutUplift(treated, held),
    };
  };

  return {
    period_days: periodDays(filter),
    period_start: filter.start.toISOString(),
    period_end: filter.end.toISOString(),
    filters: { type: filter.type, channel: filter.channel, strategy: filter.strategy },
    measured_at: now.toISOString(),
    outcome_window_days: OUTCOME_WINDOW_DAYS,
    ...summarise(null),
    by_intervention_type: INTERVENTION_TYPES.map((type) => ({ intervention_type: type, ...summarise(type) })),
    by_strategy: await strategyMetrics(db, groups, clusters),
    decisions,
    delivery_funnel: funnel,
  };
}

/**
 * The filter's outcomes by type, by strategy and overall. A query of its own rather than a CTE
 * shared with clusterSums: a CTE read twice is materialized, and the whole statement then ran in
 * one process; as two queries, each reading the interventions, they share the cores. Over a
 * million interventions the snapshot took 4.8-6.4 s against 6.2-9.7 s (alternating, JIT off).
 * The interventions are counted once by (type, strategy, holdout), and the grouping sets are
 * summed from those few rows: grouping sets over every intervention cost three hash lookups a
 * row (query alone over a million: 2.0 s against 2.3 s).
 */
async function outcomeTotals(db: Queryable, filter: MetricsFilter, now: Date): Promise<GroupRow[]> {
  const { rows } = await db.query<GroupRow>(
    `with ${SCOPED}, kinds as (
       select intervention_type, strategy, holdout, count(*) as total,
              count(*) filter (where matured) as matured,
              count(*) filter (where matured and defaulted) as defaults
         from scoped group by intervention_type, strategy, holdout
     )
     select grouping(intervention_type, strategy) as level, intervention_type, strategy, holdout, sum(total)::int as total,
            sum(matured)::int as matured, sum(defaults)::int as defaults
       from kinds
      group by grouping sets ((intervention_type, holdout), (strategy, holdout), (holdout))`,
    scopeParams(filter, now),
  );
  return rows;
}

/**
 * Per strategy, the sums over its customers that the clustered intervals need; and the cross
 * sums of the customers found in two groups (moved between strategies, or into the holdout when
 * its share grew), the only ones joined, so the join stays small.
 */
async function clusterSums(db: Queryable, filter: MetricsFilter, now: Date): Promise<ClusterRow> {
  const { rows } = await db.query<ClusterRow>(
    `with ${SCOPED},
     -- Grouped by the customer's id in bytes (collate "C"): only equal ids matter here, not their
     -- order, and comparing by the database's locale costs more (query alone over a million:
     -- 3.0 s against 3.3 s).
     per_customer as materialized (
       select customer_id collate "C" as customer_id, strategy, holdout, count(*)::int as n, count(*) filter (where defaulted)::int as y
         from scoped where matured and strategy is not null
        group by 1, strategy, holdout
     ), cluster_sums as (
       select strategy, holdout, count(*)::int as clusters, sum(n)::int as n, sum(y)::int as y,
              sum(y * y)::float8 as yy, sum(y * n)::float8 as yn, sum(n * n)::float8 as nn
         from per_customer group by strategy, holdout
     ), in_two_groups as (
       select customer_id from per_customer group by customer_id having count(*) > 1
     ), crosses as (
       select a.strategy as a_strategy, a.holdout as a_holdout, b.strategy as b_strategy, b.holdout as b_holdout,
              sum(a.y * b.y)::float8 as yy, sum(a.y * b.n)::float8 as yn, sum(a.n * b.y)::float8 as ny, sum(a.n * b.n)::float8 as nn
         from in_two_groups m join per_customer a using (customer_id) join per_customer b using (customer_id)
        where (a.strategy, a.holdout) <> (b.strategy, b.holdout)
        group by 1, 2, 3, 4
     )
     select (select coalesce(json_agg(c), '[]') from cluster_sums c) as cluster_sums,
            (select coalesce(json_agg(x), '[]') from crosses x) as crosses`,
    scopeParams(filter, now),
  );
  return rows[0]!;
}

async function strategyMetrics(db: Queryable, groups: readonly GroupRow[], clustered: ClusterRow): Promise<StrategyMetrics[]> {
  const stored = (await loadStrategies(db)).strategies;
  const sums: StrategyGroupSums[] = groups.flatMap((g) => {
    if (g.level !== BY_STRATEGY || g.strategy === null) return [];
    // A group whose interventions are all still maturing has no clusters yet.
    const { clusters, n, y, yy, yn, nn } = clustered.cluster_sums.find((c) => c.strategy === g.strategy && c.holdout === g.holdout) ?? { clusters: 0, n: 0, y: 0, yy: 0, yn: 0, nn: 0 };
    return [{ strategy: g.strategy, holdout: g.holdout, total: g.total, clusters, n, y, yy, yn, nn }];
  });
  return compareStrategies(sums, clustered.crosses, { champion: stored.find((s) => s.champion)?.name ?? null, active: stored.map((s) => s.name) });
}

async function countDecisions(db: Queryable, filter: MetricsFilter): Promise<DecisionCounts> {
  const { rows } = await db.query<{ outcome: keyof DecisionCounts; n: number }>(
    `select d.outcome, count(*)::int as n from decisions d
      where d.score_date >= $1::timestamptz and d.score_date < $2::timestamptz
        and ($3::text is null or d.intervention_type = $3)
        and ($4::text is null or d.strategy = $4)
      group by d.outcome`,
    [filter.start, filter.end, filter.type, filter.strategy],
  );
  const n = (outcome: keyof DecisionCounts) => rows.find((row) => row.outcome === outcome)?.n ?? 0;
  return { evaluated: rows.reduce((sum, row) => sum + row.n, 0), intervention: n('intervention'), holdout: n('holdout'), no_intervention: n('no_intervention') };
}

export interface SnapshotRow {
  snapshot_id: number;
  slot: Date;
  measured_at: Date;
  period_days: number;
  total_interventions: number;
  prevented_defaults: number;
  defaults_occurred: number;
  success_rate: number | null;
  absolute_uplift: number | null;
  uplift_ci_low: number | null;
  uplift_ci_high: number | null;
  metrics: InterventionMetrics;
}

/** Stores the period's snapshot; false when this period already has one (another worker's). */
export async function storeSnapshot(db: Queryable, slot: Date, metrics: InterventionMetrics): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into metrics_snapshots (slot, measured_at, period_days, total_interventions, prevented_defaults, defaults_occurred,
                                    success_rate, absolute_uplift, uplift_ci_low, uplift_ci_high, metrics)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (slot) do nothing`,
    [
      slot,
      metrics.measured_at,
      metrics.period_days,
      metrics.total_interventions,
      metrics.prevented_defaults,
      metrics.defaults_occurred,
      metrics.success_rate,
      metrics.holdout_comparison.absolute_uplift,
      metrics.holdout_comparison.ci_low,
      metrics.holdout_comparison.ci_high,
      jsonb(metrics),
    ],
  );
  return rowCount === 1;
}

export async function listSnapshots(db: Queryable, limit: number): Promise<SnapshotRow[]> {
  const { rows } = await db.query<SnapshotRow>(
    `select snapshot_id, slot, measured_at, period_days, total_interventions, prevented_defaults, defaults_occurred,
            success_rate, absolute_uplift, uplift_ci_low, uplift_ci_high, metrics
       from metrics_snapshots order by measured_at desc, snapshot_id desc limit $1`,
    [limit],
  );
  return rows;
}
