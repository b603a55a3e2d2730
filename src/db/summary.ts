// Counts for people and monitors: a human summary of one scoring day (what was decided, for whom,
// and what was sent), and the totals the Prometheus gauges report.
import { addressHash } from '../domain/address-hash.js';
import type { Queryable } from './pool.js';

export interface BatchSummary {
  decisions: { outcome: string; reason: string | null; count: number }[];
  strategies: { strategy: string | null; count: number }[];
  interventions: { type: string; holdout: boolean; count: number }[];
  deliveries: { channel: string; status: string; count: number }[];
}

export async function summariseScoreDate(db: Queryable, scoreDate: Date, customerPrefix: string): Promise<BatchSummary> {
  const params = [scoreDate, `${customerPrefix}%`];
  const decisions = await db.query<{ outcome: string; reason: string | null; count: number }>(
    `select outcome, reason, count(*)::int as count from decisions
      where score_date = $1 and customer_id like $2 group by outcome, reason order by outcome, count desc`,
    params,
  );
  const strategies = await db.query<{ strategy: string | null; count: number }>(
    'select strategy, count(*)::int as count from decisions where score_date = $1 and customer_id like $2 group by 1 order by 1',
    params,
  );
  const interventions = await db.query<{ type: string; holdout: boolean; count: number }>(
    `select i.intervention_type as type, i.holdout, count(*)::int as count
       from interventions i join decisions d using (decision_id)
      where d.score_date = $1 and d.customer_id like $2 group by 1, 2 order by 1, 2`,
    params,
  );
  const deliveries = await db.query<{ channel: string; status: string; count: number }>(
    `select x.channel, x.status, count(*)::int as count
       from deliveries x join interventions i using (intervention_id, intervention_date) join decisions d using (decision_id)
      where d.score_date = $1 and d.customer_id like $2 group by 1, 2 order by 1, 2`,
    params,
  );
  return { decisions: decisions.rows, strategies: strategies.rows, interventions: interventions.rows, deliveries: deliveries.rows };
}

export interface OutcomeSummary {
  suppressions: { channel: string; reason: string; count: number }[];
  responses: { response_type: string; count: number }[];
}

/** Suppressions of the customers (their own, and their addresses'), and responses to the day's interventions. */
export async function summariseOutcomes(db: Queryable, scoreDate: Date, customerPrefix: string, addressKey: string): Promise<OutcomeSummary> {
  const addresses = await db.query<{ email: string | null; phone: string | null }>('select email, phone from customers where customer_id like $1', [`${customerPrefix}%`]);
  const hashes = addresses.rows.flatMap((c) => [addressHash(addressKey, 'email', c.email), addressHash(addressKey, 'phone', c.phone)]).filter((h) => h !== null);
  const suppressions = await db.query<{ channel: string; reason: string; count: number }>(
    'select channel, reason, count(*)::int as count from suppressions where customer_id like $1 or address_hash = any($2::text[]) group by 1, 2 order by 1, 2',
    [`${customerPrefix}%`, hashes],
  );
  const responses = await db.query<{ response_type: string; count: number }>(
    `select r.response_type, count(*)::int as count
       from intervention_responses r join interventions i using (intervention_id) join decisions d using (decision_id)
      where d.score_date = $1 and d.customer_id like $2 group by 1 order by 1`,
    [scoreDate, `${customerPrefix}%`],
  );
  return { suppressions: suppressions.rows, responses: responses.rows };
}

/** Every decision ever recorded, by outcome (for the Prometheus gauge). */
export async function countDecisionsByOutcome(db: Queryable): Promise<{ outcome: string; n: number }[]> {
  const { rows } = await db.query<{ outcome: string; n: number }>('select outcome, count(*)::int as n from decisions group by outcome');
  return rows;
}

/** Every delivery, by channel and status (for the Prometheus gauge). */
export async function countDeliveriesByStatus(db: Queryable): Promise<{ channel: string; status: string; n: number }[]> {
  const { rows } = await db.query<{ channel: string; status: string; n: number }>('select channel, status, count(*)::int as n from deliveries group by 1, 2');
  return rows;
}
