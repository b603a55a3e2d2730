// Erasing a customer's personal data: their name, addresses and everything written from them or
// to them (rendered messages, inbox texts, call scripts, replies and notes, provider payloads,
// the outbox's copies, error texts that quote an address) is replaced with a placeholder, in the
// caller's transaction. What is not personal stays, because the lender must keep it or the
// measurement needs it: scores, decisions, interventions' types and outcomes, delivery statuses,
// responses' types, payments, metrics. Opt-outs stay as keyed hashes of the addresses, written
// before the addresses go, so that an erased address imported again is still never contacted on a
// channel it opted out of.
import { channelAddressHash, normalizeAddress } from '../domain/address-hash.js';
import type { Channel } from '../domain/types.js';
import { refreshInterventionDeliveryStatuses } from './deliveries.js';
import { jsonb, type Queryable } from './pool.js';

export const ERASED = '[erased]';
/** What an erased jsonb column holds. */
const ERASED_JSON = jsonb({ erased: true });

/** Rows rewritten, per table (and column group). */
export type ErasureCounts = Record<string, number>;

/**
 * Keys every suppression of the customer by the address it reaches them at now, so that their
 * opt-outs hold for the address once it is erased; the customer's own rows stay as they are.
 * Returns how many address rows were new.
 */
async function keySuppressionsByAddress(db: Queryable, customerId: string, addressKey: string, addresses: { email: string | null; phone: string | null }): Promise<number> {
  const { rows } = await db.query<{ channel: Channel; reason: string; source: string; created_at: Date }>(
    `select channel, reason, source, created_at from suppressions where customer_id = $1 and channel in ('email', 'sms', 'phone')`,
    [customerId],
  );
  const keyed = rows.flatMap((row) => {
    const hash = channelAddressHash(addressKey, row.channel, addresses);
    return hash ? [{ ...row, hash }] : [];
  });
  if (keyed.length === 0) return 0;
  const { rowCount } = await db.query(
    `insert into suppressions (address_hash, channel, reason, source, created_at)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
     on conflict (channel, address_hash) do nothing`,
    [keyed.map((r) => r.hash), keyed.map((r) => r.channel), keyed.map((r) => r.reason), keyed.map((r) => r.source), keyed.map((r) => r.created_at)],
  );
  // Hashed now: the start-up pass (hashPendingSuppressions) has nothing left to do for them.
  await db.query('update suppressions set hash_pending = false where customer_id = $1 and hash_pending', [customerId]);
  return rowCount ?? 0;
}

/**
 * Erases the customer's personal data; returns the rows rewritten per table, or null when the
 * engine knows nothing of the customer. Run it after lockCustomers, so that no evaluation renders
 * a message from the old name in between. Erasing twice rewrites nothing the second time.
 */
export async function erasePersonalData(db: Queryable, customerId: string, addressKey: string, at: Date): Promise<{ erased: ErasureCounts; suppressionsKeyedByAddress: number } | null> {
  const { rows } = await db.query<{ email: string | null; phone: string | null }>('select email, phone from customers where customer_id = $1', [customerId]);
  const customer = rows[0] ?? { email: null, phone: null };
  if (!rows[0]) {
    // The lender may have deleted the customers row already; what the engine wrote stays to erase.
    const { rows: known } = await db.query('select 1 from decisions where customer_id = $1 union all select 1 from suppressions where customer_id = $1 limit 1', [customerId]);
    if (known.length === 0) return null;
  }
  const suppressionsKeyedByAddress = await keySuppressionsByAddress(db, customerId, addressKey, customer);

  const count = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rowCount ?? 0;
  const erased: ErasureCounts = {};
  erased.customers = await count(
    `update customers set full_name = $2, email = null, phone = null
      where customer_id = $1 and (full_name <> $2 or email is not null or phone is not null)`,
    [customerId, ERASED],
  );
  erased.interventions = await count(
    `update interventions set messages = null, message_sent = case when message_sent is null then null else $2 end, updated_at = $3
      where customer_id = $1 and (messages is not null or (message_sent is not null and message_sent <> $2))`,
    [customerId, ERASED, at],
  );
  // A delivery not yet attempted would go out with what was just erased, or fail for want of it.
  const cancelled = await db.query<{ intervention_id: number }>(
    `update deliveries set status = 'suppressed', last_error = 'personal data erased', updated_at = $2
      where customer_id = $1 and status in ('pending', 'scheduled')
      returning intervention_id`,
    [customerId, at],
  );
  erased.deliveries_cancelled = cancelled.rowCount ?? 0;
  await refreshInterventionDeliveryStatuses(db, cancelled.rows.map((row) => row.intervention_id), at);
  // A provider's error may quote the address ("not a valid phone number: +34…").
  erased.delivery_errors = await count(
    `update deliveries set last_error = $2 where customer_id = $1 and last_error is not null and last_error not in ($2, 'personal data erased')`,
    [customerId, ERASED],
  );
  erased.delivery_events = await count(
    `update delivery_events set payload = erased_event_payload(payload)
      where not (payload @> '{"erased": true}')
        and (customer_id = $1
             -- events we could not match to a customer when they came, that carry one of the customer's addresses
             or (customer_id is null and (lower(trim(payload ->> 'email')) = $2 or payload ->> 'From' = any($3::text[]) or payload ->> 'To' = any($3::text[]))))`,
    [customerId, customer.email === null ? null : normalizeAddress('email', customer.email), phoneForms(customer.phone)],
  );
  // A provider event that could not be applied has no customer; it holds theirs when it quotes an address.
  erased.rejected_provider_events = await count(
    `update rejected_provider_events set payload = $3::jsonb
      where payload is not null and payload <> $3::jsonb
        and (($1::text is not null and strpos(lower(payload::text), $1) > 0) or exists (select 1 from unnest($2::text[]) as phone where strpos(payload::text, phone) > 0))`,
    [customer.email === null ? null : normalizeAddress('email', customer.email), phoneForms(customer.phone), ERASED_JSON],
  );
  erased.outbox_messages = await count(
    `update outbox_messages o set recipient = case when o.recipient is null then null else $2 end, payload = $3::jsonb
       from deliveries d
      where d.delivery_id = o.delivery_id and d.customer_id = $1 and o.payload <> $3::jsonb`,
    [customerId, ERASED, ERASED_JSON],
  );
  erased.notifications = await count(
    `update notifications set title = $2, body = $2 where customer_id = $1 and (title <> $2 or body <> $2)`,
    [customerId, ERASED],
  );
  erased.agent_tasks = await count(
    `update agent_tasks set script = $3::jsonb,
            reason = case when reason is null then null else $2 end,
            notes = case when notes is null then null else $2 end
      where customer_id = $1 and (script <> $3::jsonb or (reason is not null and reason <> $2) or (notes is not null and notes <> $2))`,
    [customerId, ERASED, ERASED_JSON],
  );
  erased.intervention_responses = await count(
    `update intervention_responses r set notes = $2
       from interventions i
      where i.intervention_id = r.intervention_id and i.customer_id = $1 and r.notes is not null and r.notes <> $2`,
    [customerId, ERASED],
  );
  await db.query(
    `insert into erasures (customer_id, erased_at, erased) values ($1, $2, $3)
     on conflict (customer_id) do update set erased_at = excluded.erased_at, erased = excluded.erased`,
    [customerId, at, jsonb(erased)],
  );
  return { erased, suppressionsKeyedByAddress };
}

/** A phone number as the customers table holds it and as the providers write it (E.164). */
function phoneForms(phone: string | null): string[] {
  if (phone === null) return [];
  const e164 = normalizeAddress('phone', phone);
  return [...new Set([phone, ...(e164 ? [e164] : [])])];
}
