// The interventions behind a figure, from the same SQL as the figure (intervention-scope.ts,
// funnel.ts), newest first, a page at a time; and one customer's interventions.
import type { FunnelCount } from '../domain/funnel.js';
import type { MetricsFilter } from '../domain/metrics-filter.js';
import { REACHED, STAGE_SQL } from './funnel.js';
import { OUTCOME_FIGURES, SCOPED, scopeParams, type OutcomeFigure } from './intervention-scope.js';
import type { Queryable } from './pool.js';

/** A figure of the dashboard: an outcome count, or a funnel stage (per channel when the filter names one). */
export type Figure = { outcome: OutcomeFigure } | { stage: FunnelCount };

export interface ListedIntervention {
  intervention_id: number;
  intervention_date: Date;
  customer_id: string;
  intervention_type: string;
  holdout: boolean;
  strategy: string | null;
  /** the funnel figure's channel, and its delivery's status there */
  channel: string | null;
  delivery_status: string | null;
  /** every channel's delivery, as 'email delivered, sms scheduled' */
  deliveries: string | null;
  customer_response: string | null;
  outcome: 'maturing' | 'defaulted' | 'no_default';
}

/** Keyset position: the last row of the previous page. */
export interface ListCursor {
  interventionId: number;
  channel: string;
}

const COLUMNS = `x.intervention_id, x.intervention_date, x.customer_id, x.intervention_type, x.holdout, x.strategy, x.customer_response,
  case when not x.matured then 'maturing' when x.defaulted then 'defaulted' else 'no_default' end as outcome,
  (select string_agg(d.channel || ' ' || d.status, ', ' order by d.channel) from deliveries d where d.intervention_id = x.intervention_id) as deliveries`;

export async function listInterventions(
  db: Queryable,
  filter: MetricsFilter,
  figure: Figure,
  now: Date,
  page: { after: ListCursor | null; limit: number },
): Promise<ListedIntervention[]> {
  // The figures' predicates are constants of our own; values are parameters ($8 onwards).
  const rows =
    'outcome' in figure
      ? `select s.*, null::text as channel, null::text as delivery_status from scoped s where ${OUTCOME_FIGURES[figure.outcome]}`
      : `select r.*, r.status as delivery_status from reached r where ${STAGE_SQL[figure.stage]}`;
  const { rows: listed } = await db.query<ListedIntervention>(
    `with ${SCOPED}, ${REACHED}, figure as (${rows})
     select ${COLUMNS}, x.channel, x.delivery_status
       from figure x
      where $8::bigint is null or (x.intervention_id, coalesce(x.channel, '')) < ($8, $9::text)
      order by x.intervention_id desc, coalesce(x.channel, '') desc
      limit $10`,
    [...scopeParams(filter, now), page.after?.interventionId ?? null, page.after?.channel ?? '', page.limit],
  );
  return listed;
}
