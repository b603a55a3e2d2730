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

/** The customer's latest intervention that was sent (not a holdout): where their reply belongs. */
export async function findLatestContactedIntervention(db: Queryable, customerId: string): Promise<number | null> {
  const { rows } = await db.query<{ intervention_id: number }>(
    'select intervention_id from interventions where customer_id = $1 and not holdout order by intervention_date desc, intervention_id desc limit 1',
    [customerId],
  );
  return rows[0]?.intervention_id ?? null;
}

export async function findCustomerByPhone(db: Queryable, phone: string): Promise<{ customerId: string; locale: string } | null> {
  const { rows } = await db.query<{ customer_id: string; locale: string }>('select customer_id, locale from customers where phone = $1 order by customer_id limit 1', [phone]);
  const row = rows[0];
  return row ? { customerId: row.customer_id, locale: row.locale } : null;
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
