// The reference design's per-customer path, re-expressed in TypeScript for comparison: for each
// customer, one at a time, three reads (recent interventions, recent missed payments, last five
// scores), the same decision, then one insert. Run side by side with ours in the same bench.
import type { Pool } from '../src/db/pool.js';
import { decide, type Policy } from '../src/domain/policy.js';

export const BASELINE_TABLE = 'bench_baseline_interventions';

export async function prepareBaseline(pool: Pool): Promise<void> {
  await pool.query(`drop table if exists ${BASELINE_TABLE}`);
  await pool.query(`create table ${BASELINE_TABLE} (id bigint generated always as identity primary key, customer_id text, intervention_type text, risk_score numeric, created_at timestamptz default now())`);
}

/** Decides each score sequentially as the reference design does; returns how many it decided. */
export async function runBaseline(pool: Pool, policy: Policy, scores: readonly { customerId: string; scoreDate: Date; riskScore: number }[]): Promise<number> {
  for (const score of scores) {
    const cooloff = await pool.query<{ n: number }>(
      "select count(*)::int as n from interventions where customer_id = $1 and intervention_date >= $2::timestamptz - interval '7 days'",
      [score.customerId, score.scoreDate],
    );
    const missed = await pool.query<{ n: number }>(
      "select count(*)::int as n from payments where customer_id = $1 and status = 'missed' and due_date >= ($2::timestamptz - interval '7 days')::date",
      [score.customerId, score.scoreDate],
    );
    const recent = await pool.query<{ risk_score: number }>(
      'select risk_score::float8 as risk_score from risk_scores where customer_id = $1 and score_date <= $2 order by score_date desc limit 5',
      [score.customerId, score.scoreDate],
    );
    const decision = decide(
      {
        customerId: score.customerId,
        scoreDate: score.scoreDate,
        riskScore: score.riskScore,
        recentScores: recent.rows.map((r) => r.risk_score),
        lastInterventionAt: (cooloff.rows[0]?.n ?? 0) > 0 ? score.scoreDate : null,
        lastMissedDueDate: (missed.rows[0]?.n ?? 0) > 0 ? score.scoreDate.toISOString().slice(0, 10) : null,
      },
      policy,
    );
    if (decision.outcome !== 'no_intervention') {
      await pool.query(`insert into ${BASELINE_TABLE} (customer_id, intervention_type, risk_score) values ($1, $2, $3)`, [score.customerId, decision.type, score.riskScore]);
    }
  }
  return scores.length;
}
