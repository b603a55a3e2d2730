// Everything the policy needs about a set of scores, read in one round trip, inside the
// transaction that will record their decisions (customers locked first, see lockCustomers).
import type { Customer, ScheduledPayment } from '../domain/types.js';
import type { ScoreRef } from '../queues/names.js';
import { customerFromRow, type CustomerColumns } from './customers.js';
import { scoreDateRange } from './partitions.js';
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

/**
 * How far back a score's trend history is looked for first. Five weekly scores fit in it (daily
 * ones many times over), and it spans two or three monthly partitions of risk_scores, where the
 * whole history spans RETENTION_MONTHS of them: an index probe in each for every score. A score
 * with fewer earlier scores than the trend needs in it (a new customer, monthly scoring) has its
 * history read again without the bound, so the trend always sees the newest scores there are.
 */
export const HISTORY_LOOKBACK_DAYS = 35;
const DAY_MS = 86_400_000;

const stateKey = (customerId: string, scoreDate: Date) => `${customerId}\u0000${scoreDate.getTime()}`;

/**
 * The state of each score, in one query. The scores' own rows and decisions are read within the
 * range of the scores' dates ($4, $5), and their histories within HISTORY_LOOKBACK_DAYS before
 * it ($6), so that only those months' partitions are read (pruned when the query is planned).
 */
export async function loadEvaluationStates(db: Queryable, refs: readonly ScoreRef[], trendWindow: number): Promise<EvaluationState[]> {
  if (refs.length === 0) return [];
  const [earliest, latest] = scoreDateRange(refs);
  const { rows } = await db.query<StateRow>(
    `with refs as (
       select * from unnest($1::text[], $2::timestamptz[]) as r(customer_id, score_date)
     )
     select r.customer_id, s.score_date, s.risk_score::float8 as risk_score, d.decision_id,
            c.full_name, c.email, c.phone, c.timezone, coalesce(cp.locale, c.locale) as locale, c.sms_consent,
            -- a customer whose personal data was erased is not known any more, until the lender imports them again
            (c.customer_id is not null and not exists (select 1 from erasures e where e.customer_id = r.customer_id and c.full_name = $8)) as known_customer,
            array(select h.risk_score::float8 from risk_scores h
                   where h.customer_id = r.customer_id and h.score_date <= r.score_date
                     and h.score_date > r.score_date - make_interval(days => $7) and h.score_date > $6 and h.score_date <= $5
                   order by h.score_date desc limit $3) as recent_scores,
            (select max(i.intervention_date) from interventions i where i.customer_id = r.customer_id) as last_intervention_at,
            (select to_char(max(p.due_date), 'YYYY-MM-DD') from payments p
              where p.customer_id = r.customer_id and p.status = 'missed'
                and p.due_date <= (r.score_date at time zone 'UTC')::date) as last_missed_due_date,
            to_char(np.due_date, 'YYYY-MM-DD') as next_due_date, np.amount::text as next_amount, np.currency as next_currency
       from refs r
       -- The score and its decision are looked up for each ref through their unique keys,
       -- whatever the statistics say: a nightly batch is evaluated as soon as it is stored,
       -- before its month's partition is analysed again, when the statistics say no score has
       -- the batch's date. A join was then planned as a scan of the whole month for each chunk
       -- (170–620 ms a chunk of 250). "limit 1" (one row per key in any case) keeps the lateral
       -- lookups from being flattened back into such a join.
       cross join lateral (
         select s.score_date, s.risk_score from risk_scores s
          where s.customer_id = r.customer_id and s.score_date = r.score_date and s.score_date between $4 and $5 limit 1) s
       left join customers c on c.customer_id = r.customer_id
       -- a language the customer chose (the preference centre) wins over the lender's
       left join customer_preferences cp on cp.customer_id = r.customer_id
       left join lateral (
         select d.decision_id from decisions d
          where d.customer_id = r.customer_id and d.score_date = r.score_date and d.score_date between $4 and $5 limit 1) d on true
       left join lateral (
         select p.due_date, p.amount, p.currency from payments p
          where p.customer_id = r.customer_id and p.status = 'scheduled'
            and p.due_date >= (r.score_date at time zone 'UTC')::date
          order by p.due_date limit 1) np on true`,
    [refs.map((r) => r.customerId), refs.map((r) => r.scoreDate), trendWindow, earliest, latest, new Date(earliest.getTime() - HISTORY_LOOKBACK_DAYS * DAY_MS), HISTORY_LOOKBACK_DAYS, ERASED],
  );
  const short = rows.filter((row) => row.recent_scores.length < trendWindow);
  if (short.length > 0) {
    const histories = await loadScoreHistories(db, short, trendWindow);
    for (const row of short) row.recent_scores = histories.get(stateKey(row.customer_id, row.score_date)) ?? row.recent_scores;
  }
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

/** The newest `limit` scores up to each score, however old: the history of scores with few recent ones. */
async function loadScoreHistories(db: Queryable, scores: readonly { customer_id: string; score_date: Date }[], limit: number): Promise<Map<string, number[]>> {
  const { rows } = await db.query<{ customer_id: string; score_date: Date; recent_scores: number[] }>(
    `select r.customer_id, r.score_date,
            array(select h.risk_score::float8 from risk_scores h
                   where h.customer_id = r.customer_id and h.score_date <= r.score_date
                   order by h.score_date desc limit $3) as recent_scores
       from unnest($1::text[], $2::timestamptz[]) as r(customer_id, score_date)`,
    [scores.map((s) => s.customer_id), scores.map((s) => s.score_date), limit],
  );
  return new Map(rows.map((row) => [stateKey(row.customer_id, row.score_date), row.recent_scores]));
}
