// Effectiveness metrics, set-based: one pass over the lookback window's interventions (by type,
// by strategy, and per customer for the strategies' clustered intervals), one over their
// deliveries. An intervention's outcome is known once its 30-day window has passed (matured);
// until then it is counted as maturing, never as a success.
import { holdoutUplift, rate, type Uplift } from '../domain/metrics.js';
import { compareStrategies, type StrategyCrossSums, type StrategyGroupSums, type StrategyMetrics } from '../domain/strategy-comparison.js';
import { INTERVENTION_TYPES, RESPONSE_TYPES, type Channel } from '../domain/types.js';
import { jsonb, type Queryable } from './pool.js';
import { loadStrategies } from './strategies.js';

/** Days after an intervention in which a missed payment counts as a default. */
export const OUTCOME_WINDOW_DAYS = 30;

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

export interface ChannelFunnel {
  channel: Channel;
  deliveries: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  failed: number;
  suppressed: number;
  responses: Record<string, number>;
}

export interface InterventionMetrics extends OutcomeFigures {
  period_days: number;
  measured_at: string;
  outcome_window_days: number;
  by_intervention_type: TypeMetrics[];
  /** champion first, then the other strategies; interventions decided before strategies existed are in the totals only */
  by_strategy: StrategyMetrics[];
  delivery_funnel: ChannelFunnel[];
}

/** grouping(intervention_type, strategy): which grouping set a row of `totals` belongs to. */
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

interface WindowRow {
  totals: GroupRow[] | null;
  cluster_sums: Omit<StrategyGroupSums, 'total'>[];
  crosses: StrategyCrossSums[];
}

export async function computeMetrics(db: Queryable, days: number, now: Date): Promise<InterventionMetrics> {
  // The window is read once (materialized) for all three aggregates. Only the customers found in
  // two groups (moved between strategies, or into the holdout when its share grew) are joined
  // for the cross sums, so the join stays small.
  const { rows } = await db.query<WindowRow>(
    `with window_interventions as materialized (
       select i.customer_id, i.strategy, i.intervention_type, i.holdout,
              i.intervention_date <= $1::timestamptz - make_interval(days => $3) as matured,
              exists (select 1 from payments p
                       where p.customer_id = i.customer_id and p.status = 'missed'
                         and p.due_date > (i.intervention_date at time zone 'UTC')::date
                         and p.due_date <= ((i.intervention_date + make_interval(days => $3)) at time zone 'UTC')::date) as defaulted
         from interventions i
        where i.intervention_date > $1::timestamptz - make_interval(days => $2) and i.intervention_date <= $1::timestamptz
     ), totals as (
       select grouping(intervention_type, strategy) as level, intervention_type, strategy, holdout, count(*)::int as total,
              count(*) filter (where matured)::int as matured,
              count(*) filter (where matured and defaulted)::int as defaults
         from window_interventions
        group by grouping sets ((intervention_type, holdout), (strategy, holdout), (holdout))
     ), per_customer as materialized (
       select customer_id, strategy, holdout, count(*)::int as n, count(*) filter (where defaulted)::int as y
         from window_interventions where matured and strategy is not null
        group by customer_id, strategy, holdout
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
     select (select json_agg(t) from totals t) as totals,
            (select coalesce(json_agg(c), '[]') from cluster_sums c) as cluster_sums,
            (select coalesce(json_agg(x), '[]') from crosses x) as crosses`,
    [now, days, OUTCOME_WINDOW_DAYS],
  );
  const window = rows[0]!;
  const groups = window.totals ?? [];
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
    period_days: days,
    measured_at: now.toISOString(),
    outcome_window_days: OUTCOME_WINDOW_DAYS,
    ...summarise(null),
    by_intervention_type: INTERVENTION_TYPES.map((type) => ({ intervention_type: type, ...summarise(type) })),
    by_strategy: await strategyMetrics(db, groups, window),
    delivery_funnel: await deliveryFunnel(db, days, now),
  };
}

async function strategyMetrics(db: Queryable, groups: readonly GroupRow[], window: WindowRow): Promise<StrategyMetrics[]> {
  const stored = (await loadStrategies(db)).strategies;
  const sums: StrategyGroupSums[] = groups.flatMap((g) => {
    if (g.level !== BY_STRATEGY || g.strategy === null) return [];
    // A group whose interventions are all still maturing has no clusters yet.
    const { clusters, n, y, yy, yn, nn } = window.cluster_sums.find((c) => c.strategy === g.strategy && c.holdout === g.holdout) ?? { clusters: 0, n: 0, y: 0, yy: 0, yn: 0, nn: 0 };
    return [{ strategy: g.strategy, holdout: g.holdout, total: g.total, clusters, n, y, yy, yn, nn }];
  });
  return compareStrategies(sums, window.crosses, { champion: stored.find((s) => s.champion)?.name ?? null, active: stored.map((s) => s.name) });
}

/**
 * The window's deliveries by channel. The window bounds both sides of the join: the deliveries'
 * own intervention_date (their partition key, equal to their intervention's date), so that only
 * the window's months are read, and the interventions', so that only the window's are joined.
 */
async function deliveryFunnel(db: Queryable, days: number, now: Date): Promise<ChannelFunnel[]> {
  const { rows } = await db.query<Omit<ChannelFunnel, 'responses'> & Record<string, number | string>>(
    `select d.channel, count(*)::int as deliveries,
            count(*) filter (where d.status in ('sent', 'outbox', 'delivered', 'opened', 'clicked'))::int as sent,
            count(*) filter (where d.status in ('delivered', 'opened', 'clicked'))::int as delivered,
            count(*) filter (where d.status in ('opened', 'clicked'))::int as opened,
            count(*) filter (where d.status = 'clicked')::int as clicked,
            count(*) filter (where d.status in ('failed', 'bounced'))::int as failed,
            count(*) filter (where d.status = 'suppressed')::int as suppressed,
            ${RESPONSE_TYPES.map((_, n) => `count(*) filter (where i.customer_response = $${n + 3})::int as response_${n}`).join(',\n            ')}
       from deliveries d join interventions i on i.intervention_id = d.intervention_id and i.intervention_date = d.intervention_date
      where d.intervention_date > $1::timestamptz - make_interval(days => $2) and d.intervention_date <= $1::timestamptz
        and i.intervention_date > $1::timestamptz - make_interval(days => $2) and i.intervention_date <= $1::timestamptz
      group by d.channel order by d.channel`,
    [now, days, ...RESPONSE_TYPES],
  );
  return rows.map((row) => ({
    channel: row.channel,
    deliveries: row.deliveries,
    sent: row.sent,
    delivered: row.delivered,
    opened: row.opened,
    clicked: row.clicked,
    failed: row.failed,
    suppressed: row.suppressed,
    responses: Object.fromEntries(RESPONSE_TYPES.map((type, n) => [type, Number(row[`response_${n}`] ?? 0)])),
  }));
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
