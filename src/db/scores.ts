// Scores and scoring batches: set-based writes for ingestion, and the reads the API needs.
import pg from 'pg';
import type { ScoreRow } from '../domain/types.js';
import { jsonb, type Pool, type Queryable } from './pool.js';

export async function createScoreBatch(db: Queryable, batchId: string, source: string): Promise<void> {
  await db.query('insert into score_batches (batch_id, source) values ($1, $2)', [batchId, source]);
}

export async function finishScoreBatch(db: Queryable, batchId: string, accepted: number, rejected: number): Promise<void> {
  await db.query('update score_batches set accepted = $2, rejected = $3 where batch_id = $1', [batchId, accepted, rejected]);
}

/** A row's key: two rows with the same key are the same score. */
export function scoreKey(customerId: string, scoreDate: Date): string {
  return `${customerId}\u0000${scoreDate.getTime()}`;
}

/** What became of one row: stored now, or not, and why. */
export type ScoreOutcome =
  | { stored: 'now' }
  | { stored: 'earlier'; riskScore: number; batchId: string | null }
  | { stored: 'no'; reason: 'unknown customer' | 'not found' };

const STORED_NOW: ScoreOutcome = { stored: 'now' };

/**
 * The statement that stores a chunk: rows of known customers are inserted, and it answers with
 * the rows it did not store (usually none). `onConflict` is empty for the plain insert, which
 * fails whole on a key already stored, or skips such rows.
 *
 * Rows travel as array parameters, not through COPY: COPY into a temporary table and the same
 * insert from it measured slower (300k rows: 11.9–12.3 s against 10.1–10.8 s), since the
 * insert needs the table's conflict handling and the customer check whichever way rows arrive.
 * Score dates travel as epoch milliseconds: far cheaper to encode than timestamps.
 * The customer check is a subquery per row on purpose: it probes the primary key, where a join
 * would be planned as a hash join that reads every customer for each chunk. The rows not stored
 * are looked for only when fewer rows were stored than sent.
 */
const storeStatement = (onConflict: string) => `with input as (
     select * from unnest($1::text[], $2::numeric[], $3::text[], $4::float8[], $5::jsonb[]) with ordinality
       as i(customer_id, risk_score, risk_level, t, explanation, n)
   ), inserted as (
     insert into risk_scores (customer_id, risk_score, risk_level, score_date, explanation, batch_id)
     select i.customer_id, i.risk_score, i.risk_level, to_timestamp(i.t / 1000), i.explanation, $6
       from input i
      where (select true from customers c where c.customer_id = i.customer_id)
     ${onConflict}
     returning customer_id, score_date
   )
   select i.n::int - 1 as n from input i
    where (select count(*) from inserted) < (select count(*) from input)
      and not exists (select from inserted s where s.customer_id = i.customer_id and s.score_date = to_timestamp(i.t / 1000))`;
const INSERT_NEW = storeStatement('');
const INSERT_SKIPPING_STORED = storeStatement('on conflict (customer_id, score_date) do nothing');

const isUniqueViolation = (error: unknown) => error instanceof pg.DatabaseError && error.code === '23505';

/**
 * Stores the rows of known customers that are new, and returns each row's outcome in row order;
 * rows must have distinct keys. Only then does a second statement read the rows not stored, in a
 * fresh snapshot, so it also sees rows another batch stored concurrently (the insert waited for
 * that batch, then did not store them).
 *
 * A chunk is first inserted plainly: a batch's scores are nearly always new, and ON CONFLICT's
 * speculative insertion cost about a quarter of PostgreSQL's time per row (4 alternating pairs of
 * 400k rows in chunks of 2,000: 8.1–10.8 µs of CPU a row without it, 11.3–12.5 with it). A key
 * already stored (a re-sent batch, a row repeated far apart in a file, a concurrent batch) makes
 * that insert fail whole, storing nothing; the chunk is then inserted skipping stored keys, and
 * so is every later chunk of the batch, so that a re-sent batch fails one statement (one error in
 * PostgreSQL's log), not one a chunk. Each is a statement of its own, hence a pool and not a
 * transaction's client, which the failure would abort.
 */
export function scoreWriter(db: Pool, batchId: string): (rows: readonly ScoreRow[]) => Promise<ScoreOutcome[]> {
  let metStoredKey = false;
  return async (rows) => {
    const outcomes = new Array<ScoreOutcome>(rows.length).fill(STORED_NOW);
    if (rows.length === 0) return outcomes;
    const params = [
      rows.map((r) => r.customerId),
      rows.map((r) => r.riskScore),
      rows.map((r) => r.riskLevel),
      rows.map((r) => r.scoreDate.getTime()),
      rows.map((r) => (r.explanation ? jsonb(r.explanation) : null)),
      batchId,
    ];
    const store = async (statement: string) => (await db.query<{ n: number }>(statement, params)).rows;
    const notStored = metStoredKey
      ? await store(INSERT_SKIPPING_STORED)
      : await store(INSERT_NEW).catch((error: unknown) => {
          if (!isUniqueViolation(error)) throw error;
          metStoredKey = true;
          return store(INSERT_SKIPPING_STORED);
        });
    if (notStored.length === 0) return outcomes;
    const missing = notStored.map((row) => rows[row.n]!);
    const { rows: found } = await db.query<{ n: number; known: boolean; risk_score: number | null; batch_id: string | null }>(
      `select m.n::int - 1 as n, c.customer_id is not null as known, s.risk_score::float8 as risk_score, s.batch_id
         from unnest($1::text[], $2::float8[]) with ordinality as m(customer_id, t, n)
         left join customers c on c.customer_id = m.customer_id
         left join risk_scores s on s.customer_id = m.customer_id and s.score_date = to_timestamp(m.t / 1000)`,
      [missing.map((r) => r.customerId), missing.map((r) => r.scoreDate.getTime())],
    );
    for (const row of found) {
      const index = notStored[row.n]!.n;
      outcomes[index] = !row.known
        ? { stored: 'no', reason: 'unknown customer' }
        : row.risk_score === null
          ? { stored: 'no', reason: 'not found' }
          : { stored: 'earlier', riskScore: row.risk_score, batchId: row.batch_id };
    }
    return outcomes;
  };
}

export async function findLatestScore(db: Queryable, customerId: string): Promise<{ scoreDate: Date; riskScore: number } | null> {
  const { rows } = await db.query<{ score_date: Date; risk_score: number }>(
    'select score_date, risk_score::float8 as risk_score from risk_scores where customer_id = $1 order by score_date desc limit 1',
    [customerId],
  );
  const row = rows[0];
  return row ? { scoreDate: row.score_date, riskScore: row.risk_score } : null;
}

/** Whether any score was ever stored: the dashboard tells an empty install how to load some. */
export async function anyScoreStored(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ stored: boolean }>('select exists (select 1 from risk_scores) or exists (select 1 from decisions) as stored');
  return rows[0]?.stored ?? false;
}
