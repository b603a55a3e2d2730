// Effectiveness metrics, set-based: one pass over the filter's interventions for the outcomes,
// one over their channels and deliveries for the funnel, one over the decisions. An
// intervention's outcome is known once its 30-day window has passed (matured); until then it is
// counted as maturing, never as a success.
import type { ChannelFunnel } from '../domain/funnel.js';
import { periodDays, type MetricsFilter } from '../domain/metrics-filter.js';
import { holdoutUplift, rate, type Uplift } from '../domain/metrics.js';
import { INTERVENTION_TYPES, type Channel, type InterventionType } from '../domain/types.js';
import { deliveryFunnel } from './funnel.js';
import { OUTCOME_WINDOW_DAYS, SCOPED, scopeParams } from './intervention-scope.js';
import { jsonb, type Queryable } from './pool.js';

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

/** Scores decided in the period, by outcome (a channel filter does not apply: no channel is chosen before the decision). */
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
  decisions: DecisionCounts;
  delivery_funnel: ChannelFunnel[];
}

interface GroupRow {
  intervention_type: string | null;
  holdout: boolean;
  total: number;
  matured: number;
  defaults: number;
}

export async function computeMetrics(db: Queryable, filter: MetricsFilter, now: Date): Promise<InterventionMetrics> {
  const [{ rows: groups }, decisions, funnel] = await Promise.all([
    db.query<GroupRow>(
      `with ${SCOPED}
       select s.intervention_type, s.holdout, count(*)::int as total,
              count(*) filter (where s.matured)::int as matured,
              count(*) filter (where s.matured and s.defaulted)::int as defaults
         from scoped s
        group by grouping sets ((s.intervention_type, s.holdout), (s.holdout))`,
      scopeParams(filter, now),
    ),
    countDecisions(db, filter),
    deliveryFunnel(db, filter, now),
  ]);
  const group = (type: string | null, holdout: boolean) =>
    groups.find((g) => g.intervention_type === type && g.holdout === holdout) ?? { total: 0, matured: 0, defaults: 0 };

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
    decisions,
    delivery_funnel: funnel,
  };
}

async function countDecisions(db: Queryable, filter: MetricsFilter): Promise<DecisionCounts> {
  const { rows } = await db.query<{ outcome: keyof DecisionCounts; n: number }>(
    `select d.outcome, count(*)::int as n from decisions d
      where d.decided_at >= $1::timestamptz and d.decided_at < $2::timestamptz
        and ($3::text is null or d.intervention_type = $3)
        and ($4::text is null or d.outcome = 'holdout' or d.strategy = $4)
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
