// Customer responses to an intervention: every one is kept; the intervention shows the latest.
import type { ResponseType } from '../domain/types.js';
import { storableText, type Queryable } from './pool.js';

export async function recordResponse(db: Queryable, interventionId: number, responseType: ResponseType, source: string, notes: string | null, at: Date): Promise<void> {
  await db.query(
    'insert into intervention_responses (intervention_id, response_type, source, notes, created_at) values ($1, $2, $3, $4, $5)',
    [interventionId, responseType, source, notes === null ? null : storableText(notes), at],
  );
  await db.query('update interventions set customer_response = $2, response_date = $3, updated_at = $3 where intervention_id = $1', [interventionId, responseType, at]);
}

/**
 * Records a batch of responses (in order) in two statements; each intervention shows the last
 * of its own. Source texts are ours (a provider and an event kind), not a customer's.
 */
export async function recordResponses(db: Queryable, responses: readonly { interventionId: number; type: ResponseType; source: string }[], at: Date): Promise<void> {
  if (responses.length === 0) return;
  await db.query(
    `insert into intervention_responses (intervention_id, response_type, source, created_at)
     select id, t, s, $4 from unnest($1::bigint[], $2::text[], $3::text[]) with ordinality as u(id, t, s, n) order by n`,
    [responses.map((r) => r.interventionId), responses.map((r) => r.type), responses.map((r) => storableText(r.source)), at],
  );
  const latest = new Map(responses.map((r) => [r.interventionId, r.type]));
  await db.query(
    `update interventions i set customer_response = u.t, response_date = $3, updated_at = $3
       from unnest($1::bigint[], $2::text[]) as u(id, t) where i.intervention_id = u.id`,
    [[...latest.keys()], [...latest.values()], at],
  );
}

/** The customer's latest intervention that was sent (not a holdout): where their reply belongs. */
export async function findLatestContactedIntervention(db: Queryable, customerId: string): Promise<number | null> {
  const [latest] = await findLatestContactedInterventions(db, [customerId]);
  return latest?.interventionId ?? null;
}

/** Each customer's latest intervention that was sent (not a holdout), newest first; customers never contacted are left out. */
export async function findLatestContactedInterventions(db: Queryable, customerIds: readonly string[]): Promise<{ customerId: string; interventionId: number }[]> {
  const { rows } = await db.query<{ customer_id: string; intervention_id: number }>(
    `select customer_id, intervention_id from (
       select distinct on (customer_id) customer_id, intervention_id, intervention_date from interventions
        where customer_id = any($1::text[]) and not holdout
        order by customer_id, intervention_date desc, intervention_id desc) latest
      order by intervention_date desc, intervention_id desc`,
    [customerIds],
  );
  return rows.map((row) => ({ customerId: row.customer_id, interventionId: row.intervention_id }));
}

/** Every customer with this phone number (a joint account shares one), by customer id, with the language they read. */
export async function findCustomersByPhone(db: Queryable, phone: string): Promise<{ customerId: string; locale: string }[]> {
  const { rows } = await db.query<{ customer_id: string; locale: string }>(
    `select c.customer_id, coalesce(cp.locale, c.locale) as locale
       from customers c left join customer_preferences cp on cp.customer_id = c.customer_id
      where c.phone = $1 order by c.customer_id`,
    [phone],
  );
  return rows.map((row) => ({ customerId: row.customer_id, locale: row.locale }));
}

/**
 * Interventions whose contact window (contact_by + the policy's response window) has passed
 * with no response recorded: their response is no_response. Set-based; returns how many.
 */
export async function recordNoResponses(db: Queryable, windowDays: number, at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `with due as (
       update interventions set customer_response = 'no_response', response_date = $2, updated_at = $2
        where customer_response is null and not holdout and contact_by + $1 * interval '1 day' < $2
        returning intervention_id)
     insert into intervention_responses (intervention_id, response_type, source, created_at)
     select intervention_id, 'no_response', 'response_window', $2 from due`,
    [windowDays, at],
  );
  return rowCount ?? 0;
}
