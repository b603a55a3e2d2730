// Loads customers, payments and score history in bulk (unnest arrays, chunked): how the demo,
// the tests and the bench install a synthetic portfolio.
import type { Customer } from '../domain/types.js';
import type { PastIntervention, SyntheticPayment, SyntheticScore } from '../synthetic/portfolio.js';
import type { Queryable } from './pool.js';

const CHUNK = 5_000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export async function upsertCustomers(db: Queryable, customers: readonly Customer[]): Promise<void> {
  for (const part of chunks(customers)) {
    await db.query(
      `insert into customers (customer_id, full_name, email, phone, timezone, locale, sms_consent)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[])
       on conflict (customer_id) do update set full_name = excluded.full_name, email = excluded.email, phone = excluded.phone,
         timezone = excluded.timezone, locale = excluded.locale, sms_consent = excluded.sms_consent`,
      [
        part.map((c) => c.customerId),
        part.map((c) => c.fullName),
        part.map((c) => c.email),
        part.map((c) => c.phone),
        part.map((c) => c.timezone),
        part.map((c) => c.locale),
        part.map((c) => c.smsConsent),
      ],
    );
  }
}

export async function insertPayments(db: Queryable, payments: readonly SyntheticPayment[]): Promise<void> {
  for (const part of chunks(payments)) {
    await db.query(
      `insert into payments (customer_id, due_date, amount, currency, status)
       select * from unnest($1::text[], $2::date[], $3::numeric[], $4::text[], $5::text[])`,
      [part.map((p) => p.customerId), part.map((p) => p.dueDate), part.map((p) => p.amount), part.map((p) => p.currency), part.map((p) => p.status)],
    );
  }
}

/** Score history written directly (it predates the engine); conflicting rows are kept as they are. */
export async function insertScoreHistory(db: Queryable, scores: readonly SyntheticScore[]): Promise<void> {
  for (const part of chunks(scores)) {
    await db.query(
      `insert into risk_scores (customer_id, risk_score, score_date)
       select * from unnest($1::text[], $2::numeric[], $3::timestamptz[])
       on conflict (customer_id, score_date) do nothing`,
      [part.map((s) => s.customerId), part.map((s) => s.riskScore), part.map((s) => s.scoreDate)],
    );
  }
}

/** Past decisions and interventions with their missed payments, for a demo's history. */
export async function insertPastInterventions(db: Queryable, past: readonly PastIntervention[]): Promise<void> {
  for (const part of chunks(past)) {
    await db.query(
      `with input as (
         select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[], $5::text[], $6::text[])
           as t(customer_id, intervention_type, at, holdout, strategy, policy_version)
       ), d as (
         insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at, strategy)
         select customer_id, at, 0.7, case when holdout then 'holdout' else 'intervention' end, null, 'increasing', intervention_type,
                policy_version, at, strategy from input
         on conflict (customer_id, score_date) do nothing
         returning decision_id, customer_id, score_date, intervention_type, decided_at
       )
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers,
                                  contact_by, holdout, delivery_status, policy_version, strategy)
       select d.decision_id, d.customer_id, d.decided_at, d.intervention_type, 'high', 0.7, 'increasing', '{email}', '{}',
              d.decided_at + interval '5 days', i.holdout, case when i.holdout then 'holdout' else 'delivered' end, i.policy_version, i.strategy
         from d join input i on i.customer_id = d.customer_id and i.at = d.score_date`,
      [
        part.map((p) => p.customerId),
        part.map((p) => p.interventionType),
        part.map((p) => p.at),
        part.map((p) => p.holdout),
        part.map((p) => p.strategy),
        part.map((p) => p.policyVersion),
      ],
    );
    const missed = part.filter((p) => p.missedDueDate !== null);
    await insertPayments(db, missed.map((p) => ({ customerId: p.customerId, dueDate: p.missedDueDate!, amount: '100.00', currency: 'USD', status: 'missed' as const })));
  }
}

/**
 * `count` email deliveries in `status`, each of a decision and intervention of its own, all made
 * at `at`, for customers `<customerPrefix>1` to `<customerPrefix><count>` (customers need not
 * exist): what the webhook bench and the index tests look deliveries up in. Returns their ids.
 */
export async function insertEmailDeliveries(db: Queryable, options: { count: number; customerPrefix: string; at: Date; status: string }): Promise<number[]> {
  const { rows } = await db.query<{ delivery_id: number }>(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
       select $2 || n, $3, 0.7, 'intervention', 'increasing', 'payment_reminder', 'synthetic', $3 from generate_series(1, $1::int) as n
       returning decision_id, customer_id, decided_at),
     i as (
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, holdout, policy_version)
       select decision_id, customer_id, decided_at, 'payment_reminder', 'high', 0.7, 'increasing', '{email}', '{}', decided_at, false, 'synthetic' from d
       returning intervention_id, intervention_date, customer_id)
     insert into deliveries (intervention_id, intervention_date, customer_id, channel, status)
     select intervention_id, intervention_date, customer_id, 'email', $4 from i
     returning delivery_id`,
    [options.count, options.customerPrefix, options.at, options.status],
  );
  return rows.map((row) => row.delivery_id).sort((a, b) => a - b);
}
