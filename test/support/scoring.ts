// Scoring customers through the real pipeline (POST /risk_scores → evaluate worker → delivery
// workers) and waiting until their deliveries settle: how the compliance tests check what the
// delivery path does with a customer's choices and opt-outs.
import { expect } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { insertScoreHistory } from '../../src/db/portfolio.js';
import { count, waitFor, type TestEngine } from './engine.js';

const DAY = 86_400_000;

/**
 * A rising score history and today's score for each customer, 0.7 by default: a flexible_payment
 * intervention (email, SMS, app) decided now; 0.9 is a payment_assistance one (a call and an
 * email). Resolves when the intervention's deliveries are settled.
 */
export async function scoreAndSettle(engine: TestEngine, clock: Clock, ids: readonly string[], options: { riskScore?: number; deliveries?: number } = {}): Promise<void> {
  const { riskScore = 0.7, deliveries = 3 } = options;
  const day = clock.now().getTime();
  await insertScoreHistory(engine.db.pool, ids.flatMap((id) => [
    { customerId: id, riskScore: 0.62, scoreDate: new Date(day - 2 * DAY) },
    { customerId: id, riskScore: 0.65, scoreDate: new Date(day - DAY) },
  ]));
  const scoreDate = new Date(day - 3_600_000);
  const res = await engine.api('/risk_scores', { method: 'POST', json: ids.map((id) => ({ customer_id: id, risk_score: riskScore, score_date: scoreDate.toISOString() })) });
  expect(res.status).toBe(202);
  for (const id of ids) {
    await waitFor(`deliveries of ${id} settled`, async () =>
      (await count(engine, `select 1 from deliveries d join interventions i using (intervention_id) join decisions x using (decision_id)
                             where d.customer_id = $1 and x.score_date = $2`, [id, scoreDate])) === deliveries &&
      (await count(engine, "select 1 from deliveries where customer_id = $1 and status in ('pending', 'sending')", [id])) === 0);
  }
}

/** The status of the customer's latest delivery on each channel. */
export async function latestStatuses(engine: TestEngine, id: string): Promise<Record<string, string>> {
  const { rows } = await engine.db.pool.query<{ channel: string; status: string }>(
    'select distinct on (channel) channel, status from deliveries where customer_id = $1 order by channel, delivery_id desc',
    [id],
  );
  return Object.fromEntries(rows.map((row) => [row.channel, row.status]));
}
