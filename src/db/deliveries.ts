// Delivery rows: the unit that is sent at most once. Every status change is a conditional
// update from the states it may come from, so a duplicate or late job changes nothing. Every
// statement names its rows by `delivery_id = any($1)`, also where a join to its input would do:
// that probes each partition's unique index on delivery_id (delivery-id-per-partition
// migration), whereas a join is planned from row estimates, which a month's partition filled
// since its last ANALYZE does not have. A job's statements also name the months holding its
// deliveries, so that each is planned over those months' partitions rather than every month kept:
// the lookup those the job carries (from the rows its producer wrote or loaded), the status
// changes those of the rows the lookup found (monthsHolding).
import { channelAddressHash } from '../domain/address-hash.js';
import type { AttemptOutcome, DeliveryCandidate, Unattempted } from '../domain/delivery-plan.js';
import type { Months } from '../domain/months.js';
import { quietHoursSchema } from '../domain/policy.js';
import type { Channel, DeliveryStatus } from '../domain/types.js';
import { customerFromRow, type CustomerColumns } from './customers.js';
import type { Queryable } from './pool.js';
import { findAddressSuppressions } from './suppressions.js';

/** A delivery with all a send needs. */
export interface DeliveryWork extends DeliveryCandidate {
  /** the intervention's date: the month the delivery (and a notification written for it) is kept in */
  interventionDate: Date;
  claimedAt: Date | null;
  interventionType: string;
  contactBy: Date;
  /** the intervention's stored messages, this delivery's channel only (jsonb, parsed before use) */
  messages: unknown;
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
  messages: unknown;
  suppressed_because: string | null;
  quiet_hours: unknown;
}

/**
 * The deliveries of `channel` among `deliveryIds`, with all a send needs, in two queries: the
 * deliveries with their customers and the customers' own suppressions, then the suppressions of
 * the addresses they have now (hashed here, with `addressKey`). The channel guards against ids
 * that no longer mean what they meant when the job was enqueued (a database restored while the
 * queues kept their jobs): an email job never sends an SMS row. `months` (null: every month)
 * only narrows the plan: an id not found in them is looked for in every month, so that a job's
 * months can never leave one of its deliveries unsent.
 */
export async function loadDeliveryWorks(db: Queryable, deliveryIds: readonly number[], channel: Channel, months: Months | null, addressKey: string): Promise<DeliveryWork[]> {
  let rows = await selectWorkRows(db, deliveryIds, channel, months);
  if (months && rows.length < new Set(deliveryIds).size) {
    const found = new Set(rows.map((row) => row.delivery_id));
    const elsewhere = await selectWorkRows(db, deliveryIds.filter((id) => !found.has(id)), channel, null);
    if (elsewhere.length > 0) rows = [...rows, ...elsewhere].sort((a, b) => a.delivery_id - b.delivery_id);
  }
  const hashes = rows.map((row) => channelAddressHash(addressKey, channel, row));
  const byAddress = await findAddressSuppressions(db, channel, hashes.filter((hash) => hash !== null));
  return rows.map((row, i) => ({
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
    suppressedBecause: row.suppressed_because ?? byAddress.get(hashes[i] ?? '') ?? null,
    // Quiet hours apply at send time: the rules in force now, validated when they were stored.
    quietHours: quietHoursSchema.parse(row.quiet_hours),
  }));
}

async function selectWorkRows(db: Queryable, deliveryIds: readonly number[], channel: Channel, months: Months | null): Promise<WorkRow[]> {
  // With months null the bounds are null, which PostgreSQL folds away when it plans the statement.
  const { rows } = await db.query<WorkRow>(
    `select d.delivery_id, d.intervention_id, d.intervention_date, d.channel, d.status, d.claimed_at, i.intervention_type, i.contact_by,
            jsonb_build_object(d.channel, i.messages -> d.channel) as messages,
            d.customer_id, c.full_name, c.email, c.phone, c.timezone, coalesce(cp.locale, c.locale) as locale, c.sms_consent, s.reason as suppressed_because,
            coalesce(own.policy, champion.policy) -> 'quietHours' as quiet_hours
       from deliveries d
       join interventions i on i.intervention_id = d.intervention_id
       left join customers c on c.customer_id = d.customer_id
       left join customer_preferences cp on cp.customer_id = d.customer_id
       left join suppressions s on s.customer_id = d.customer_id and s.channel = d.channel
       left join strategies own on own.name = i.strategy
       left join strategies champion on champion.champion
      where d.delivery_id = any($1::bigint[]) and d.channel = $2
        and ($3::timestamptz is null or d.intervention_date >= $3::timestamptz)
        and ($4::timestamptz is null or d.intervention_date < $4::timestamptz)
      order by d.delivery_id`,
    [deliveryIds, channel, months?.from ?? null, months?.until ?? null],
  );
  return rows;
}

/** Statuses from which a delivery may still be attempted. */
const OPEN = ['pending', 'scheduled'];

/** pending|scheduled → sending for each that is still open; returns the ids this call claimed. */
export async function claimDeliveries(db: Queryable, deliveryIds: readonly number[], months: Months, at: Date): Promise<Set<number>> {
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries set status = 'sending', claimed_at = $2, attempts = attempts + 1, updated_at = $2
      where delivery_id = any($1::bigint[]) and status = any($3::text[]) and intervention_date >= $4 and intervention_date < $5
      returning delivery_id`,
    [deliveryIds, at, OPEN, months.from, months.until],
  );
  return new Set(rows.map((row) => row.delivery_id));
}

/** pending|scheduled → a final status without an attempt (suppressed, or failed for a missing address); returns the ids settled. */
export async function settleUnattempted(db: Queryable, settled: readonly Unattempted[], months: Months, at: Date): Promise<number[]> {
  if (settled.length === 0) return [];
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries d set status = u.status, last_error = u.reason, updated_at = $4
       from unnest($1::bigint[], $2::text[], $3::text[]) as u(delivery_id, status, reason)
      where d.delivery_id = any($1::bigint[]) and d.delivery_id = u.delivery_id and d.status = any($5::text[])
        and d.intervention_date >= $6 and d.intervention_date < $7
      returning d.delivery_id`,
    [settled.map((s) => s.deliveryId), settled.map((s) => s.status), settled.map((s) => s.reason), at, OPEN, months.from, months.until],
  );
  return rows.map((row) => row.delivery_id);
}

/** pending|scheduled → scheduled until the quiet hours end; returns the ids scheduled. */
export async function scheduleDeliveries(db: Queryable, scheduled: readonly { deliveryId: number; until: Date }[], months: Months, at: Date): Promise<number[]> {
  if (scheduled.length === 0) return [];
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries d set status = 'scheduled', scheduled_for = u.until, updated_at = $3
       from unnest($1::bigint[], $2::timestamptz[]) as u(delivery_id, until)
      where d.delivery_id = any($1::bigint[]) and d.delivery_id = u.delivery_id and d.status = any($4::text[])
        and d.intervention_date >= $5 and d.intervention_date < $6
      returning d.delivery_id`,
    [scheduled.map((s) => s.deliveryId), scheduled.map((s) => s.until), at, OPEN, months.from, months.until],
  );
  return rows.map((row) => row.delivery_id);
}

/** A delivery written locally (inbox, agent task, outbox): settled as `status` by `provider`. */
export async function recordLocalWrites(db: Queryable, deliveryIds: readonly number[], months: Months, settled: { status: 'sent' | 'outbox'; provider: string }, at: Date): Promise<void> {
  if (deliveryIds.length === 0) return;
  await db.query(
    `update deliveries set status = $2, provider = $3, sent_at = coalesce(sent_at, $4), last_error = null, updated_at = $4
      where delivery_id = any($1::bigint[]) and status = 'sending' and intervention_date >= $5 and intervention_date < $6`,
    [deliveryIds, settled.status, settled.provider, at, months.from, months.until],
  );
}

/**
 * The outcomes of provider attempts, in one statement. sent and failed are the provider's
 * answer: a webhook may have moved the row on already (a status callback can beat our own
 * write), and then only the provider's id is filled in; they also settle a claim another job
 * had meanwhile given up as unknown. unknown and pending (released for another attempt) apply
 * only to a row still sending.
 */
export async function recordAttempts(db: Queryable, outcomes: readonly AttemptOutcome[], months: Months, provider: string, at: Date): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `update deliveries d
        set status = case when d.status = 'sending' or (d.status = 'unknown' and o.status in ('sent', 'failed')) then o.status else d.status end,
            provider = $5,
            provider_message_id = coalesce(d.provider_message_id, o.provider_message_id),
            last_error = o.error,
            sent_at = case when o.status = 'sent' then coalesce(d.sent_at, $6) else d.sent_at end,
            updated_at = $6
       from unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) as o(delivery_id, status, provider_message_id, error)
      where d.delivery_id = any($1::bigint[]) and d.delivery_id = o.delivery_id and (d.status = 'sending' or o.status in ('sent', 'failed'))
        and d.intervention_date >= $7 and d.intervention_date < $8`,
    [
      outcomes.map((o) => o.deliveryId),
      outcomes.map((o) => o.status),
      outcomes.map((o) => (o.status === 'sent' ? o.providerMessageId : null)),
      outcomes.map((o) => (o.status === 'sent' ? null : o.error)),
      provider,
      at,
      months.from,
      months.until,
    ],
  );
}

/**
 * sending for longer than a send can take → unknown: the process died between claiming and
 * recording, so the provider may or may not have accepted it. Never re-sent blindly; the
 * provider's webhook settles it.
 */
export async function markUnknownIfStale(db: Queryable, deliveryIds: readonly number[], months: Months, claimedBefore: Date, at: Date): Promise<number[]> {
  if (deliveryIds.length === 0) return [];
  const { rows } = await db.query<{ delivery_id: number }>(
    `update deliveries set status = 'unknown', last_error = 'outcome unknown: the sending process stopped before recording it', updated_at = $3
      where delivery_id = any($1::bigint[]) and status = 'sending' and claimed_at < $2 and intervention_date >= $4 and intervention_date < $5
      returning delivery_id`,
    [deliveryIds, claimedBefore, at, months.from, months.until],
  );
  return rows.map((row) => row.delivery_id);
}

/**
 * The interventions' delivery_status column: each one's most advanced delivery's status, in one
 * call of engine_refresh_delivery_statuses (migration 1764007000000), which locks the
 * interventions before it computes, so that refreshes of one intervention from different workers
 * never write what an older snapshot saw. Call it after the deliveries' changes have committed.
 */
export async function refreshInterventionDeliveryStatuses(db: Queryable, interventionIds: readonly number[], at: Date): Promise<void> {
  if (interventionIds.length === 0) return;
  await db.query('select engine_refresh_delivery_statuses($1::bigint[], $2)', [[...new Set(interventionIds)], at]);
}
