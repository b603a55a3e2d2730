// Delivery rows: the unit that is sent at most once. Every status change is a conditional
// update from the states it may come from, so a duplicate or late job changes nothing.
import type { Channel, Customer, DeliveryStatus } from '../domain/types.js';
import { customerFromRow, type CustomerColumns } from './customers.js';
import type { Queryable } from './pool.js';

export interface DeliveryWork {
  deliveryId: number;
  interventionId: number;
  channel: Channel;
  status: DeliveryStatus;
  claimedAt: Date | null;
  interventionType: string;
  contactBy: Date;
  customer: Customer;
  /** the intervention's rendered messages, keyed by channel */
  messages: Record<string, unknown> | null;
  /** the suppression's reason when the customer opted out of this channel */
  suppressedBecause: string | null;
}

interface WorkRow extends CustomerColumns {
  delivery_id: number;
  intervention_id: number;
  channel: Channel;
  status: DeliveryStatus;
  claimed_at: Date | null;
  intervention_type: string;
  contact_by: Date;
  messages: Record<string, unknown> | null;
  suppressed_because: string | null;
}

export async function loadDeliveryWork(db: Queryable, deliveryId: number): Promise<DeliveryWork | null> {
  const { rows } = await db.query<WorkRow>(
    `select d.delivery_id, d.intervention_id, d.channel, d.status, d.claimed_at, i.intervention_type, i.contact_by, i.messages,
            d.customer_id, c.full_name, c.email, c.phone, c.timezone, c.locale, c.sms_consent, s.reason as suppressed_because
       from deliveries d
       join interventions i on i.intervention_id = d.intervention_id
       left join customers c on c.customer_id = d.customer_id
       left join suppressions s on s.customer_id = d.customer_id and s.channel = d.channel
      where d.delivery_id = $1`,
    [deliveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    deliveryId: row.delivery_id,
    interventionId: row.intervention_id,
    channel: row.channel,
    status: row.status,
    claimedAt: row.claimed_at,
    interventionType: row.intervention_type,
    contactBy: row.contact_by,
    messages: row.messages,
    customer: customerFromRow(row),
    suppressedBecause: row.suppressed_because,
  };
}

/** Statuses from which a delivery may still be attempted. */
const OPEN = ['pending', 'scheduled'];

/** pending|scheduled → sending. False when another job has it or it is settled. */
export async function claimDelivery(db: Queryable, deliveryId: number, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update deliveries set status = 'sending', claimed_at = $2, attempts = attempts + 1, updated_at = $2
      where delivery_id = $1 and status = any($3::text[])`,
    [deliveryId, at, OPEN],
  );
  return rowCount === 1;
}

/** pending|scheduled → a final status without an attempt (suppressed, or failed for a missing address). */
export async function settleUnattempted(db: Queryable, deliveryId: number, status: 'suppressed' | 'failed', reason: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update deliveries set status = $2, last_error = $3, updated_at = $4 where delivery_id = $1 and status = any($5::text[])`,
    [deliveryId, status, reason, at, OPEN],
  );
  return rowCount === 1;
}

/** pending|scheduled → scheduled until the quiet hours end. */
export async function scheduleDelivery(db: Queryable, deliveryId: number, until: Date, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update deliveries set status = 'scheduled', scheduled_for = $2, updated_at = $3 where delivery_id = $1 and status = any($4::text[])`,
    [deliveryId, until, at, OPEN],
  );
  return rowCount === 1;
}

/**
 * sending → the provider's answer. A webhook may have moved the row on already (a status
 * callback can beat our own write); then only the provider's id is filled in.
 */
export async function recordSendOutcome(
  db: Queryable,
  deliveryId: number,
  outcome: { status: 'sent' | 'failed' | 'outbox'; provider: string; providerMessageId?: string | null; error?: string | null },
  at: Date,
): Promise<void> {
  await db.query(
    `update deliveries
        set status = case when status in ('sending', 'unknown') then $2 else status end,
            provider = $3, provider_message_id = coalesce(provider_message_id, $4),
            last_error = $5, sent_at = case when $2 in ('sent', 'outbox') then coalesce(sent_at, $6) else sent_at end, updated_at = $6
      where delivery_id = $1`,
    [deliveryId, outcome.status, outcome.provider, outcome.providerMessageId ?? null, outcome.error ?? null, at],
  );
}

/** sending → pending after a retryable failure, so that the next attempt can claim it. */
export async function releaseForRetry(db: Queryable, deliveryId: number, error: string, at: Date): Promise<void> {
  await db.query(
    `update deliveries set status = 'pending', last_error = $2, updated_at = $3 where delivery_id = $1 and status = 'sending'`,
    [deliveryId, error, at],
  );
}

/**
 * sending for longer than a send can take → unknown: the process died between claiming and
 * recording, so the provider may or may not have accepted it. Never re-sent blindly; the
 * provider's webhook settles it.
 */
export async function markUnknownIfStale(db: Queryable, deliveryId: number, claimedBefore: Date, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update deliveries set status = 'unknown', last_error = 'outcome unknown: the sending process stopped before recording it', updated_at = $3
      where delivery_id = $1 and status = 'sending' and claimed_at < $2`,
    [deliveryId, claimedBefore, at],
  );
  return rowCount === 1;
}

/** sending → unknown at once: the send failed in a way that does not say whether it went out. */
export async function markUnknown(db: Queryable, deliveryId: number, reason: string, at: Date): Promise<void> {
  await db.query(
    `update deliveries set status = 'unknown', last_error = $2, updated_at = $3 where delivery_id = $1 and status = 'sending'`,
    [deliveryId, `outcome unknown: ${reason}`, at],
  );
}

export async function isSuppressed(db: Queryable, customerId: string, channel: Channel): Promise<boolean> {
  const { rowCount } = await db.query('select 1 from suppressions where customer_id = $1 and channel = $2', [customerId, channel]);
  return rowCount === 1;
}

/** The intervention's delivery_status column: its most advanced delivery's status. */
export async function refreshInterventionDeliveryStatus(db: Queryable, interventionId: number, at: Date): Promise<void> {
  await db.query(
    `update interventions i
        set delivery_status = coalesce((
              select d.status from deliveries d where d.intervention_id = i.intervention_id
               order by array_position(array['clicked','opened','delivered','sent','outbox','sending','scheduled','pending','unknown','bounced','failed','suppressed']::text[], d.status)
               limit 1), i.delivery_status),
            updated_at = $2
      where i.intervention_id = $1`,
    [interventionId, at],
  );
}
