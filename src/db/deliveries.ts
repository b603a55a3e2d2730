// Delivery rows: the unit that is sent at most once. Every status change is a conditional
// update from the states it may come from, so a duplicate or late job changes nothing.
import type { Channel, Customer, DeliveryStatus } from '../domain/types.js';
import { customerFromRow, type CustomerColumns } from './customers.js';
import type { Queryable } from './pool.js';

export interface DeliveryWork {
  deliveryId: number;
  interventionId: number;
  /** the intervention's date: the month the delivery (and a notification written for it) is kept in */
  interventionDate: Date;
  channel: Channel;
  status: DeliveryStatus;
  claimedAt: Date | null;
  interventionType: string;
  contactBy: Date;
  customer: Customer;
  /** the intervention's rendered message for this delivery's channel, keyed by channel (the others are not read) */
  messages: Record<string, unknown> | null;
  /** the suppression's reason when the customer opted out of this channel */
  suppressedBecause: string | null;
}

interface WorkRow extends CustomerColumns {
  delivery_id: number;
  intervention_id: number;
  intervention_date: Date;
  channel: Channel;
  status: DeliveryStatus;
  claimed_at: Date | null;
  intervention_type: string;
  contact_by: Date;
  messages: Record<string, unknown> | null;
  suppressed_because: string | null;
}

export async function loadDeliveryWork(db: Queryable, deliveryId: number, channel: Channel): Promise<DeliveryWork | null> {
  return (await loadDeliveryWorks(db, [deliveryId], channel))[0] ?? null;
}

/**
 * The deliveries of `channel` among `deliveryIds`, with all a send needs, in one query. The
 * channel guards against ids that no longer mean what they meant when the job was enqueued (a
 * database restored while the queues kept their jobs): an email job never sends an SMS row.
 */
export async function loadDeliveryWorks(db: Queryable, deliveryIds: readonly number[], channel: Channel): Promise<DeliveryWork[]> {
  const { rows } = await db.query<WorkRow>(
    `select d.delivery_id, d.intervention_id, d.intervention_date, d.channel, d.status, d.claimed_at, i.intervention_type, i.contact_by,
            jsonb_build_object(d.channel, i.messages -> d.channel) as messages,
            d.customer_id, c.full_name, c.email, c.phone, c.timezone, c.locale, c.sms_consent, s.reason as suppressed_because
       from deliveries d
       join interventions i on i.intervention_id = d.intervention_id
       left join customers c on c.customer_id = d.customer_id
       left join suppressions s on s.customer_id = d.customer_id and s.channel = d.channel
      where d.delivery_id = any($1::bigint[]) and d.channel = $2
      order by d.delivery_id`,
    [deliveryIds, channel],
  );
  return rows.map((row) => ({
    deliveryId: row.delivery_id,
    interventionId: row.intervention_id,
    interventionDate: row.intervention_date,
    channel: row.channel,
    status: row.status,
    claimedAt: row.claimed_at,
    interventionType: row.intervention_type,
    contactBy: row.contact_by,
    messages: row.messages,
    customer: customerFromRow(row),
    suppressedBecause: row.suppressed_because,
  }));
}

/** Statuses from which a delivery may still be attempted. */
const OPEN = ['pending', 'scheduled'];

/** pending|scheduled → sending. False when another job has it or it is settled. */
export async function claimDelivery(db: Queryable, deliveryId: number, at: Date): Promise<boolean> {
  return (await claimDeliveries(db, [deliveryId], at)).has(deliveryId);
}

/** pending|scheduled → sending for each that is still open; returns the ids this call claimed. */
export async function claimDeliveries(db: Queryable, deliveryIds: readonly number[], at: Date): Promise<Set<number>> {
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries set status = 'sending', claimed_at = $2, attempts = attempts + 1, updated_at = $2
      where delivery_id = any($1::bigint[]) and status = any($3::text[])
      returning delivery_id`,
    [deliveryIds, at, OPEN],
  );
  return new Set(rows.map((row) => row.delivery_id));
}

export interface Unattempted {
  deliveryId: number;
  status: 'suppressed' | 'failed';
  reason: string;
}

/** pending|scheduled → a final status without an attempt (suppressed, or failed for a missing address); returns the ids settled. */
export async function settleUnattempted(db: Queryable, settled: readonly Unattempted[], at: Date): Promise<number[]> {
  if (settled.length === 0) return [];
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries d set status = u.status, last_error = u.reason, updated_at = $4
       from unnest($1::bigint[], $2::text[], $3::text[]) as u(delivery_id, status, reason)
      where d.delivery_id = u.delivery_id and d.status = any($5::text[])
      returning d.delivery_id`,
    [settled.map((s) => s.deliveryId), settled.map((s) => s.status), settled.map((s) => s.reason), at, OPEN],
  );
  return rows.map((row) => row.delivery_id);
}

/** pending|scheduled → scheduled until the quiet hours end; returns the ids scheduled. */
export async function scheduleDeliveries(db: Queryable, scheduled: readonly { deliveryId: number; until: Date }[], at: Date): Promise<number[]> {
  if (scheduled.length === 0) return [];
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries d set status = 'scheduled', scheduled_for = u.until, updated_at = $3
       from unnest($1::bigint[], $2::timestamptz[]) as u(delivery_id, until)
      where d.delivery_id = u.delivery_id and d.status = any($4::text[])
      returning d.delivery_id`,
    [scheduled.map((s) => s.deliveryId), scheduled.map((s) => s.until), at, OPEN],
  );
  return rows.map((row) => row.delivery_id);
}

export interface SendOutcome {
  deliveryId: number;
  status: 'sent' | 'failed' | 'outbox';
  provider: string;
  providerMessageId?: string | null;
  error?: string | null;
}

/**
 * sending → the provider's answer. A webhook may have moved the row on already (a status
 * callback can beat our own write); then only the provider's id is filled in.
 */
export async function recordSendOutcomes(db: Queryable, outcomes: readonly SendOutcome[], at: Date): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `update deliveries d
        set status = case when d.status in ('sending', 'unknown') then o.status else d.status end,
            provider = o.provider, provider_message_id = coalesce(d.provider_message_id, o.provider_message_id),
            last_error = o.error, sent_at = case when o.status in ('sent', 'outbox') then coalesce(d.sent_at, $6) else d.sent_at end, updated_at = $6
       from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) as o(delivery_id, status, provider, provider_message_id, error)
      where d.delivery_id = o.delivery_id`,
    [
      outcomes.map((o) => o.deliveryId),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.provider),
      outcomes.map((o) => o.providerMessageId ?? null),
      outcomes.map((o) => o.error ?? null),
      at,
    ],
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
export async function markUnknownIfStale(db: Queryable, deliveryIds: readonly number[], claimedBefore: Date, at: Date): Promise<number[]> {
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries set status = 'unknown', last_error = 'outcome unknown: the sending process stopped before recording it', updated_at = $3
      where delivery_id = any($1::bigint[]) and status = 'sending' and claimed_at < $2
      returning delivery_id`,
    [deliveryIds, claimedBefore, at],
  );
  return rows.map((row) => row.delivery_id);
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
  await refreshInterventionDeliveryStatuses(db, [interventionId], at);
}

export async function refreshInterventionDeliveryStatuses(db: Queryable, interventionIds: readonly number[], at: Date): Promise<void> {
  if (interventionIds.length === 0) return;
  await db.query(
    `update interventions i
        set delivery_status = coalesce((
              select d.status from deliveries d where d.intervention_id = i.intervention_id and d.intervention_date = i.intervention_date
               order by array_position(array['clicked','opened','delivered','sent','outbox','sending','scheduled','pending','unknown','bounced','failed','suppressed']::text[], d.status)
               limit 1), i.delivery_status),
            updated_at = $2
      where i.intervention_id = any($1::bigint[])`,
    [[...new Set(interventionIds)], at],
  );
}
