// Effectiveness metrics, set-based: one pass over the lookback window's interventions, one
// over their deliveries. An intervention's outcome is known once its 30-day window has passed
// (matured); until then it is counted as maturing, never as a success.
import { holdoutUplift, rate, type Uplift } from '../domain/metrics.js';
import { INTERVENTION_TYPES, RESPONSE_TYPES, type Channel } from '../domain/types.js';
import { jsonb, type Queryable } from './pool.js';

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
  delivery_funnel: ChannelFunnel[];
}

interface GroupRow {
  intervention_type: string | null;
  holdout: boolean;
  total: number;
  matured: number;
  defaults: number;
}

export async function computeMetrics(db: Queryable, days: number, now: Date): Promise<InterventionMetrics> {
  const { rows: groups } = await db.query<GroupRow>(
    `with window_interventions as (
       select i.intervention_type, i.holdout,
              i.intervention_date <= $1::timestamptz - make_interval(days => $3) as matured,
              exists (select 1 from payments p
                       where p.customer_id = i.customer_id and p.status = 'missed'
                         and p.due_date > (i.intervention_date at time zone 'UTC')::date
                         and p.due_date <= ((i.intervention_date + make_interval(days => $3)) at time zone 'UTC')::date) as defaulted
         from interventions i
        where i.intervention_date > $1::timestamptz - make_interval(days => $2) and i.intervention_date <= $1::timestamptz)
     select intervention_type, holdout, count(*)::int as total,
            count(*) filter (where matured)::int as matured,
            count(*) filter (where matured and defaulted)::int as defaults
       from window_interventions
      group by grouping sets ((intervention_type, holdout), (holdout))`,
    [now, days, OUTCOME_WINDOW_DAYS],
  );
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
    period_days: days,
    measured_at: now.toISOString(),
    outcome_window_days: OUTCOME_WINDOW_DAYS,
    ...summarise(null),
    by_intervention_type: INTERVENTION_TYPES.map((type) => ({ intervention_type: type, ...summarise(type) })),
    delivery_funnel: await deliveryFunnel(db, days, now),
  };
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
