// A portfolio of interventions whose outcomes we chose, so that every metric has a value computed
// by hand: 20 treated in the 90 days before `now` (16 matured, 3 of them defaulted), 5 held out
// (3 defaulted), and a few deliveries and responses for the funnel.
import type { TestEngine } from './engine.js';

const DAY = 86_400_000;

export async function loadKnownOutcomes(engine: TestEngine, now: Date): Promise<void> {
  let serial = 0;
  /** One intervention, `daysAgo` before now, with a missed payment `missedAfterDays` after it (if any). */
  async function intervention(type: string, daysAgo: number, options: { holdout?: boolean; missedAfterDays?: number; deliveries?: [string, string][]; response?: string } = {}) {
    serial += 1;
    const customerId = `M${serial}`;
    const channels = options.deliveries?.length ? options.deliveries.map(([channel]) => channel) : ['email'];
    const at = new Date(now.getTime() - daysAgo * DAY);
    const { rows } = await engine.db.pool.query<{ intervention_id: number }>(
      `with d as (
         insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at)
         values ($1, $2, 0.9, $3, null, 'increasing', $4, 'test', $2) returning decision_id)
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers,
                                  contact_by, holdout, delivery_status, customer_response, policy_version)
       select decision_id, $1, $2, $4, 'high', 0.9, 'increasing', $7, '{}', $2, $5, 'sent', $6, 'test' from d
       returning intervention_id`,
      [customerId, at, options.holdout ? 'holdout' : 'intervention', type, options.holdout ?? false, options.response ?? null, channels],
    );
    if (options.missedAfterDays !== undefined) {
      const due = new Date(at.getTime() + options.missedAfterDays * DAY).toISOString().slice(0, 10);
      await engine.db.pool.query("insert into payments (customer_id, due_date, amount, status) values ($1, $2, 100, 'missed')", [customerId, due]);
    }
    for (const [channel, status] of options.deliveries ?? []) {
      await engine.db.pool.query('insert into deliveries (intervention_id, intervention_date, customer_id, channel, status) values ($1, $2, $3, $4, $5)', [rows[0]!.intervention_id, at, customerId, channel, status]);
    }
  }

  // payment_assistance, treated: 10 matured (40 days ago), 3 of them defaulted within 30 days;
  // one more missed a payment 35 days after (outside the window) and one missed before it.
  for (let i = 0; i < 10; i += 1) {
    await intervention('payment_assistance', 40, {
      missedAfterDays: i < 3 ? 10 : i === 3 ? 35 : i === 4 ? -2 : undefined,
      deliveries: i < 2 ? [['email', i === 0 ? 'clicked' : 'delivered'], ['phone', 'sent']] : [],
      response: i === 0 ? 'accepted_offer' : undefined,
    });
  }
  // ... and 4 still maturing (10 days ago), one of which has already missed a payment.
  for (let i = 0; i < 4; i += 1) await intervention('payment_assistance', 10, { missedAfterDays: i === 0 ? 5 : undefined, deliveries: [['email', 'bounced']] });
  // payment_assistance, holdout: 5 matured, 3 defaulted.
  for (let i = 0; i < 5; i += 1) await intervention('payment_assistance', 40, { holdout: true, missedAfterDays: i < 3 ? 20 : undefined });
  // flexible_payment, treated: 6 matured, none defaulted; no holdout.
  for (let i = 0; i < 6; i += 1) await intervention('flexible_payment', 60, { deliveries: [['sms', 'suppressed']] });
  // Outside the 90-day window: never counted.
  for (let i = 0; i < 2; i += 1) await intervention('payment_reminder', 100, { missedAfterDays: 5 });
}
