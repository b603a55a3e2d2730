// The interventions a metrics filter covers, as SQL shared by the figures (metrics.ts,
// funnel.ts) and the lists behind them (intervention-list.ts), so that a list holds exactly the
// rows its figure counts. The SQL fragments are constants; every value travels as a parameter.
import type { MetricsFilter } from '../domain/metrics-filter.js';

/** Days after an intervention in which a missed payment counts as a default. */
export const OUTCOME_WINDOW_DAYS = 30;

/** Parameters $1..$7 of `SCOPED` (the lists add theirs from $8). */
export function scopeParams(filter: MetricsFilter, now: Date): unknown[] {
  return [filter.start, filter.end, filter.type, filter.channel, filter.strategy, now, OUTCOME_WINDOW_DAYS];
}

/**
 * `scoped`: the filter's interventions, each with whether its outcome window has passed
 * (matured) and, if it has, whether a payment was missed within it (defaulted). A strategy narrows
 * the holdout too: a held-out customer falls in a strategy like any other (src/domain/strategies.ts),
 * whose policy decided they would have been contacted, so each strategy has a holdout of its own.
 */
export const SCOPED = `scoped as (
  select i.intervention_id, i.customer_id, i.intervention_date, i.intervention_type, i.holdout, i.strategy, i.channels,
         i.customer_response,
         i.intervention_date <= $6::timestamptz - make_interval(days => $7) as matured,
         -- Asked only of matured interventions (the outcome of the others is not known yet), of
         -- the missed payments their customer has in the period (m).
         i.intervention_date <= $6::timestamptz - make_interval(days => $7) and m.due_dates is not null
           and exists (select 1 from unnest(m.due_dates) as due(d)
                        where due.d > (i.intervention_date at time zone 'UTC')::date
                          and due.d <= ((i.intervention_date + make_interval(days => $7)) at time zone 'UTC')::date) as defaulted
    from interventions i
    -- The period's missed payments by customer (payments_missed_due), joined once, rather than
    -- an index lookup in payments for each matured intervention: the snapshot over a million
    -- interventions made 666,660 of them, about 0.6 s of its outcome query's 4.4 s. The bounds
    -- hold every due date the test above can accept: after the period's first day, and at most
    -- the outcome window after the last intervention that can have matured.
    left join (select p.customer_id, array_agg(p.due_date) as due_dates from payments p
                where p.status = 'missed'
                  and p.due_date > ($1::timestamptz at time zone 'UTC')::date
                  and p.due_date <= ((least($2::timestamptz, $6::timestamptz - make_interval(days => $7)) + make_interval(days => $7)) at time zone 'UTC')::date
                group by p.customer_id) m on m.customer_id = i.customer_id
   where i.intervention_date >= $1::timestamptz and i.intervention_date < $2::timestamptz
     and ($3::text is null or i.intervention_type = $3)
     and ($4::text is null or $4 = any (i.channels))
     and ($5::text is null or i.strategy = $5))`;

/** The outcome figures a list can be asked for, as predicates over `scoped s`. */
export const OUTCOME_FIGURES = {
  treated: 'not s.holdout',
  matured: 'not s.holdout and s.matured',
  maturing: 'not s.holdout and not s.matured',
  prevented: 'not s.holdout and s.matured and not s.defaulted',
  defaulted: 'not s.holdout and s.matured and s.defaulted',
  holdout: 's.holdout',
  holdout_matured: 's.holdout and s.matured',
  holdout_defaulted: 's.holdout and s.matured and s.defaulted',
} as const;
export type OutcomeFigure = keyof typeof OUTCOME_FIGURES;
