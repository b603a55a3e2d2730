// Scores and scoring batches: set-based writes for ingestion, and the reads the API needs.
import type { ScoreRow } from '../ingest/score-row.js';
import { jsonb, type Queryable } from './pool.js';

export async function createScoreBatch(db: Queryable, batchId: string, source: string): Promise<void> {
  await db.query('insert into score_batches (batch_id, source) values ($1, $2)', [batchId, source]);
}

export async function finishScoreBatch(db: Queryable, batchId: string, accepted: number, rejected: number): Promise<void> {
  await db.query('update score_batches set accepted = $2, rejected = $3 where batch_id = $1', [batchId, accepted, rejected]);
}

/** The subset of ids that name existing customers. */
export async function findKnownCustomers(db: Queryable, customerIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ customer_id: string }>('select customer_id from customers where customer_id = any($1::text[])', [
    customerIds,
  ]);
  return new Set(rows.map((row) => row.customer_id));
}

const key = (customerId: string, scoreDate: Date) => `${customerId}\u0000${scoreDate.getTime()}`;

export interface StoredScore {
  customerId: string;
  scoreDate: Date;
  riskScore: number;
  batchId: string | null;
  /** true when this call stored it; false when it was already there */
  inserted: boolean;
}

/**
 * Inserts the rows that are new; returns, for every row, the score stored under its key —
 * this batch's own, or one an earlier batch stored (a re-sent batch).
 */
export async function insertScores(db: Queryable, batchId: string, rows: readonly ScoreRow[]): Promise<Map<string, StoredScore>> {
  const stored = new Map<string, StoredScore>();
  if (rows.length === 0) return stored;
  const params = [
    rows.map((r) => r.customerId),
    rows.map((r) => r.riskScore),
    rows.map((r) => r.riskLevel),
    rows.map((r) => r.scoreDate),
    rows.map((r) => (r.explanation ? jsonb(r.explanation) : null)),
  ];
  const { rows: found } = await db.query<{ customer_id: string; score_date: Date; risk_score: number; batch_id: string | null; inserted: boolean }>(
    `with input as (
       select * from unnest($1::text[], $2::numeric[], $3::text[], $4::timestamptz[], $5::jsonb[])
         as t(customer_id, risk_score, risk_level, score_date, explanation)
     ), inserted as (
       insert into risk_scores (customer_id, risk_score, risk_level, score_date, explanation, batch_id)
       select customer_id, risk_score, risk_level, score_date, explanation, $6 from input
       on conflict (customer_id, score_date) do nothing
       returning customer_id, score_date, risk_score, batch_id
     )
     select customer_id, score_date, risk_score::float8 as risk_score, batch_id, true as inserted from inserted
     union all
     select s.customer_id, s.score_date, s.risk_score::float8, s.batch_id, false
       from risk_scores s join input i on i.customer_id = s.customer_id and i.score_date = s.score_date
      where not exists (select 1 from inserted n where n.customer_id = s.customer_id and n.score_date = s.score_date)`,
    [...params, batchId],
  );
  // A row another batch inserted concurrently is not visible to this statement's snapshot
  // (its insert waited for that batch, then did nothing): read those again, now committed.
  const seen = new Set(found.map((f) => key(f.customer_id, f.score_date)));
  const missing = rows.filter((r) => !seen.has(key(r.customerId, r.scoreDate)));
  if (missing.length) {
    const again = await db.query<{ customer_id: string; score_date: Date; risk_score: number; batch_id: string | null }>(
      `select s.customer_id, s.score_date, s.risk_score::float8 as risk_score, s.batch_id
         from risk_scores s join unnest($1::text[], $2::timestamptz[]) as m(customer_id, score_date)
           on m.customer_id = s.customer_id and m.score_date = s.score_date`,
      [missing.map((r) => r.customerId), missing.map((r) => r.scoreDate)],
    );
    found.push(...again.rows.map((row) => ({ ...row, inserted: false })));
  }
  for (const row of found) {
    stored.set(key(row.customer_id, row.score_date), {
      customerId: row.customer_id,
      scoreDate: row.score_date,
      riskScore: row.risk_score,
      batchId: row.batch_id,
      inserted: row.inserted,
    });
  }
  return stored;
}

export function scoreKey(customerId: string, scoreDate: Date): string {
  return key(customerId, scoreDate);
}

export async function findLatestScore(db: Queryable, customerId: string): Promise<{ scoreDate: Date; riskScore: number } | null> {
  const { rows } = await db.query<{ score_date: Date; risk_score: number }>(
    'select score_date, risk_score::float8 as risk_score from risk_scores where customer_id = $1 order by score_date desc limit 1',
    [customerId],
  );
  const row = rows[0];
  return row ? { scoreDate: row.score_date, riskScore: row.risk_score } : null;
}
