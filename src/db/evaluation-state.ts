// Everything the policy needs about a set of scores, read in one round trip, inside the
// transaction that will record their decisions (customers locked first, see lockCustomers).
import type { Customer, ScheduledPayment } from '../domain/types.js';
import type { ScoreRef } from '../queues/names.js';
import { customerFromRow, type CustomerColumns } from './customers.js';
import { ERASED } from './erasure.js';
import type { Queryable } from './pool.js';

export interface EvaluationState {
  ref: ScoreRef;
  scoreDate: Date;
  riskScore: number;
  /** null when the customer row is missing (deleted after the score was ingested) or erased (src/db/erasure.ts) */
  customer: Customer | null;
  /** newest first, this score included */
  recentScores: number[];
  lastInterventionAt: Date | null;
  lastMissedDueDate: string | null;
  nextPayment: ScheduledPayment | null;
  /** set when this score was already decided (a re-run or a retried job) */
  existingDecisionId: number | null;
}

interface StateRow extends CustomerColumns {
  score_date: Date;
  risk_score: number;
  decision_id: number | null;
  known_customer: boolean;
  recent_scores: number[];
  last_intervention_at: Date | null;
  last_missed_due_date: string | null;
  next_due_date: string | null;
  next_amount: string | null;
  next_currency: string | null;
}

/**
 * Serialises evaluations per customer for the rest of the transaction, so that two scores
 * of one customer evaluated at once cannot both pass the cool-off check. Locks are taken in
 * key order so that two chunks sharing customers cannot deadlock.
 */
export async function lockCustomers(db: Queryable, customerIds: readonly string[]): Promise<void> {
  await db.query(
    `select pg_advisory_xact_lock(key)
       from (select distinct hashtextextended(id, 7301) as key from unnest($1::text[]) as id order by key) as keys`,
    [customerIds],
  );
}

export async function loadEvaluationStates(db: Queryable, refs: readonly ScoreRef[], trendWindow: number): Promise<EvaluationState[]> {
  const { rows } = await db.query<StateRow>(
    `with refs as (
       select * from unnest($1::text[], $2::timestamptz[]) as r(customer_id, score_date)
     )
     select r.customer_id, s.score_date, s.risk_score::float8 as risk_score, d.decision_id,
            c.full_name, c.email, c.phone, c.timezone, coalesce(cp.locale, c.locale) as locale, c.sms_consent,
            -- a customer whose personal data was erased is not known any more, until the lender imports them again
            (c.customer_id is not null and not exists (select 1 from erasures e where e.customer_id = r.customer_id and c.full_name = $4)) as known_customer,
            array(select h.risk_score::float8 from risk_scores h
                   where h.customer_id = r.customer_id and h.score_date <= r.score_date
                   order by h.score_date desc limit $3) as recent_scores,
            (select max(i.intervention_date) from interventions i where i.customer_id = r.customer_id) as last_intervention_at,
            (select to_char(max(p.due_date), 'YYYY-MM-DD') from payments p
              where p.customer_id = r.customer_id and p.status = 'missed'
                and p.due_date <= (r.score_date at time zone 'UTC')::date) as last_missed_due_date,
            to_char(np.due_date, 'YYYY-MM-DD') as next_due_date, np.amount::text as next_amount, np.currency as next_currency
       from refs r
       join risk_scores s on s.customer_id = r.customer_id and s.score_date = r.score_date
       left join customers c on c.customer_id = r.customer_id
       -- a language the customer chose (the preference centre) wins over the lender's
       left join customer_preferences cp on cp.customer_id = r.customer_id
       left join decisions d on d.customer_id = r.customer_id and d.score_date = r.score_date
       left join lateral (
         select p.due_date, p.amount, p.currency from payments p
          where p.customer_id = r.customer_id and p.status = 'scheduled'
            and p.due_date >= (r.score_date at time zone 'UTC')::date
          order by p.due_date limit 1) np on true`,
    [refs.map((r) => r.customerId), refs.map((r) => r.scoreDate), trendWindow, ERASED],
  );
  return rows.map((row) => ({
    ref: { customerId: row.customer_id, scoreDate: row.score_date.toISOString() },
    scoreDate: row.score_date,
    riskScore: row.risk_score,
    customer: row.known_customer
      ? customerFromRow(row)
      : null,
    recentScores: row.recent_scores,
    lastInterventionAt: row.last_intervention_at,
    lastMissedDueDate: row.last_missed_due_date,
    nextPayment:
      row.next_due_date && row.next_amount && row.next_currency
        ? { dueDate: row.next_due_date, amount: row.next_amount, currency: row.next_currency }
        : null,
    existingDecisionId: row.decision_id,
  }));
}
