// Loads customers, payments and score history in bulk (unnest arrays, chunked): how the demo,
// the tests and the bench install a synthetic portfolio.
import type { Customer } from '../domain/types.js';
import type { SyntheticPayment, SyntheticScore } from '../synthetic/portfolio.js';
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
