// An intervention's delivery_status when its deliveries settle at the same moment in different
// transactions (one worker per channel): the last refresh to commit must see every delivery that
// had settled, never write what an older snapshot saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshInterventionDeliveryStatuses } from '../../src/db/deliveries.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/engine.js';

const AT = new Date('2026-11-25T10:00:00Z');
let db: TestDatabase;
let interventionId = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  const { rows } = await db.pool.query<{ intervention_id: number }>(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
       values ('DS1', $1, 0.8, 'intervention', 'increasing', 'flexible_payment', 'test', $1) returning decision_id)
     insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, holdout, delivery_status, policy_version)
     select decision_id, 'DS1', $1, 'flexible_payment', 'high', 0.8, 'increasing', '{email,sms}', '{}', $1, false, 'pending', 'test' from d
     returning intervention_id`,
    [AT],
  );
  interventionId = rows[0]!.intervention_id;
  await db.pool.query(
    `insert into deliveries (intervention_id, intervention_date, customer_id, channel, status)
     values ($1, $2, 'DS1', 'email', 'pending'), ($1, $2, 'DS1', 'sms', 'pending')`,
    [interventionId, AT],
  );
});

afterAll(async () => {
  await db?.drop();
});

describe('refreshInterventionDeliveryStatuses', () => {
  it('writes the status of a delivery that settled while it waited for another refresh', async () => {
    const email = await db.pool.connect();
    let waiting: Promise<void> | undefined;
    try {
      // The email's worker: its delivery sent and its refresh done, not yet committed.
      await email.query('begin');
      await email.query("update deliveries set status = 'sent' where intervention_id = $1 and channel = 'email'", [interventionId]);
      await refreshInterventionDeliveryStatuses(email, [interventionId], AT);
      // The SMS's worker refreshes meanwhile (its delivery still pending), and waits for the lock.
      waiting = refreshInterventionDeliveryStatuses(db.pool, [interventionId], AT);
      await waitFor('the second refresh waiting for the intervention\'s lock', async () => {
        const { rows } = await db.pool.query("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        return rows.length > 0;
      });
      await email.query('commit');
    } finally {
      email.release();
    }
    await waiting;
    const { rows } = await db.pool.query('select delivery_status from interventions where intervention_id = $1', [interventionId]);
    expect(rows).toEqual([{ delivery_status: 'sent' }]);
  });
});
