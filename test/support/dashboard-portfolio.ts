// A portfolio for the dashboard's tests: interventions of several types, strategies and ages,
// holdouts, deliveries in every stage of the funnel on every channel (bounced, failed after and
// before sending, waiting for quiet hours), responses, defaults, and 95 days of stored snapshots
// (one a day, and one an hour over the last two days, as METRICS_EVERY=1h stores them).
import { computeMetrics, storeSnapshot } from '../../src/db/metrics.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { lastDays } from '../../src/domain/metrics-filter.js';
import type { TestEngine } from './engine.js';

const DAY = 86_400_000;

interface Planned {
  type: string;
  daysAgo: number;
  holdout?: boolean;
  strategy?: string;
  missedAfterDays?: number;
  /** [channel, status, sent (sent_at set)] */
  deliveries?: [string, string, boolean?][];
  /** a holdout's channels: those its type would have used */
  channels?: string[];
  response?: string;
}

export async function seedDashboardPortfolio(engine: TestEngine, now: Date, options: { snapshots?: boolean } = {}): Promise<void> {
  const plans: Planned[] = [];
  for (let i = 0; i < 12; i += 1) {
    plans.push({
      type: 'payment_assistance',
      daysAgo: 40 + (i % 5),
      strategy: i % 2 === 0 ? 'champion' : 'gentle',
      missedAfterDays: i < 3 ? 10 : undefined,
      deliveries: [
        ['email', i === 0 ? 'clicked' : i === 1 ? 'opened' : i === 2 ? 'bounced' : i === 3 ? 'failed' : 'delivered', i !== 4],
        ['phone', i < 6 ? 'sent' : 'pending', i < 6],
      ],
      response: i === 0 ? 'accepted_offer' : i === 1 ? 'engaged' : undefined,
    });
  }
  // Held out: each in the strategy that would have decided it, as the engine assigns them.
  for (let i = 0; i < 5; i += 1) plans.push({ type: 'payment_assistance', daysAgo: 42, holdout: true, strategy: i % 2 === 0 ? 'champion' : 'gentle', channels: ['email', 'phone'], missedAfterDays: i < 3 ? 20 : undefined });
  for (let i = 0; i < 9; i += 1) {
    plans.push({
      type: 'flexible_payment',
      daysAgo: 55 + i,
      strategy: i % 3 === 0 ? 'gentle' : 'champion',
      missedAfterDays: i === 0 ? 12 : undefined,
      deliveries: [
        ['email', i < 2 ? 'bounced' : 'delivered', true],
        ['sms', i < 2 ? 'scheduled' : i === 2 ? 'suppressed' : i === 3 ? 'failed' : 'delivered', i > 3],
        ['app_notification', 'sent', true],
      ],
    });
  }
  for (let i = 0; i < 4; i += 1) plans.push({ type: 'flexible_payment', daysAgo: 58, holdout: true, strategy: i % 2 === 0 ? 'champion' : 'gentle', channels: ['email', 'sms', 'app_notification'], missedAfterDays: i < 2 ? 15 : undefined });
  // Still maturing: no outcome yet, whatever happens.
  for (let i = 0; i < 6; i += 1) {
    plans.push({
      type: 'payment_reminder',
      daysAgo: 3 + i,
      strategy: 'champion',
      missedAfterDays: i === 0 ? 1 : undefined,
      deliveries: [['email', i < 3 ? 'sent' : 'pending', i < 3], ['app_notification', 'sent', true]],
    });
  }
  // Outside the 90 days.
  for (let i = 0; i < 3; i += 1) plans.push({ type: 'financial_wellness', daysAgo: 120, deliveries: [['email', 'delivered', true]] });

  const ids = plans.map((_, n) => `D${String(n + 1).padStart(3, '0')}`);
  // Every customer the engine intervened on is one the lender imported.
  await upsertCustomers(
    engine.db.pool,
    ids.map((customerId, n) => ({ customerId, fullName: `Customer ${n + 1}`, email: `${customerId.toLowerCase()}@example.com`, phone: `+3461100${String(n + 1).padStart(4, '0')}`, timezone: 'Europe/Madrid', locale: 'en', smsConsent: true })),
  );
  for (const [n, plan] of plans.entries()) await insertPlanned(engine, now, ids[n]!, plan);
  // A decision that chose no intervention, and the score behind it.
  const twoDaysAgo = new Date(now.getTime() - 2 * DAY);
  await engine.db.pool.query("insert into risk_scores (customer_id, risk_score, score_date) values ('D999', 0.1, $1)", [twoDaysAgo]);
  await engine.db.pool.query(
    `insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at)
     values ('D999', $1, 0.1, 'no_intervention', 'below_threshold', 'stable_low', null, 'test', $1)`,
    [twoDaysAgo],
  );
  if (options.snapshots !== false) await storeSnapshots(engine, now);
}

async function insertPlanned(engine: TestEngine, now: Date, customerId: string, plan: Planned): Promise<void> {
  const at = new Date(now.getTime() - plan.daysAgo * DAY);
  const channels = plan.channels ?? plan.deliveries?.map(([channel]) => channel) ?? ['email'];
  const { rows } = await engine.db.pool.query<{ intervention_id: number }>(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at, strategy)
       values ($1, $2, 0.9, $3, null, 'increasing', $4, 'test', $2, $7) returning decision_id)
     insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers,
                                contact_by, holdout, delivery_status, customer_response, policy_version, strategy)
     select decision_id, $1, $2, $4, 'high', 0.9, 'increasing', $5, '{}', $2, $6, 'sent', $8, 'test', $7 from d
     returning intervention_id`,
    [customerId, at, plan.holdout ? 'holdout' : 'intervention', plan.type, channels, plan.holdout ?? false, plan.strategy ?? null, plan.response ?? null],
  );
  if (plan.missedAfterDays !== undefined) {
    const due = new Date(at.getTime() + plan.missedAfterDays * DAY).toISOString().slice(0, 10);
    await engine.db.pool.query("insert into payments (customer_id, due_date, amount, status) values ($1, $2, 100, 'missed')", [customerId, due]);
  }
  if (plan.holdout) return;
  for (const [channel, status, sent] of plan.deliveries ?? []) {
    await engine.db.pool.query('insert into deliveries (intervention_id, intervention_date, customer_id, channel, status, sent_at) values ($1, $2, $3, $4, $5, $6)', [
      rows[0]!.intervention_id,
      at,
      customerId,
      channel,
      status,
      sent ? at : null,
    ]);
  }
}

/** A snapshot a day for 95 days, and one an hour over the last 48 hours, each measured as the job would have. */
async function storeSnapshots(engine: TestEngine, now: Date): Promise<void> {
  const instants: Date[] = [];
  for (let d = 95; d >= 2; d -= 1) instants.push(new Date(now.getTime() - d * DAY));
  for (let h = 48; h >= 1; h -= 1) instants.push(new Date(now.getTime() - h * 3_600_000));
  for (const at of instants) await storeSnapshot(engine.db.pool, at, await computeMetrics(engine.db.pool, lastDays(90, at), at));
}
