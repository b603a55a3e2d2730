// Who must not be contacted on a channel: an address (by its keyed hash, src/domain/address-hash.ts)
// or a customer. Adding is idempotent and says whether it was new; lifting (START) removes it.
import { channelAddressHash } from '../domain/address-hash.js';
import type { Channel } from '../domain/types.js';
import type { Queryable } from './pool.js';

export interface OptOut {
  channel: Channel;
  /** why: stop, unsubscribe, hard_bounce, spam_report, … */
  reason: string;
  /** where it came from: sms, sendgrid, link, … */
  source: string;
}

/** Suppresses an address on a channel, for every customer who has it; returns whether it was new. */
export async function suppressAddress(db: Queryable, addressHash: string, optOut: OptOut, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into suppressions (address_hash, channel, reason, source, created_at) values ($1, $2, $3, $4, $5)
     on conflict (channel, address_hash) do nothing`,
    [addressHash, optOut.channel, optOut.reason, optOut.source, at],
  );
  return rowCount === 1;
}

/** Suppresses a customer on a channel, whatever their address; returns whether it was new. */
export async function suppressCustomer(db: Queryable, customerId: string, optOut: OptOut, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into suppressions (customer_id, channel, reason, source, created_at) values ($1, $2, $3, $4, $5)
     on conflict (customer_id, channel) do nothing`,
    [customerId, optOut.channel, optOut.reason, optOut.source, at],
  );
  return rowCount === 1;
}

/**
 * Lifts an address's suppression on a channel (START), and the same reason's suppressions kept
 * for the customers who have that address; returns how many rows were removed.
 */
export async function liftAddressSuppression(db: Queryable, addressHash: string, customerIds: readonly string[], channel: Channel, reason: string): Promise<number> {
  const { rowCount } = await db.query(
    `delete from suppressions where channel = $2 and (address_hash = $1 or (customer_id = any($3::text[]) and reason = $4))`,
    [addressHash, channel, customerIds, reason],
  );
  return rowCount ?? 0;
}

/** The reasons addresses among `addressHashes` are suppressed on `channel`, by hash. */
export async function findAddressSuppressions(db: Queryable, channel: Channel, addressHashes: readonly string[]): Promise<Map<string, string>> {
  if (addressHashes.length === 0) return new Map();
  const { rows } = await db.query<{ address_hash: string; reason: string }>(
    'select address_hash, reason from suppressions where channel = $1 and address_hash = any($2::text[])',
    [channel, [...new Set(addressHashes)]],
  );
  return new Map(rows.map((row) => [row.address_hash, row.reason]));
}

/**
 * Keys the suppressions recorded before opt-outs were kept by address (hash_pending) by their
 * customer's address: each becomes an address row, unless the customer has no address on that
 * channel. An unsubscribe link's row (source 'link') also stays the customer's, as a new one
 * does. Idempotent and safe to run from several processes at once: the inserts skip what is
 * there and the rows handled are no longer pending. Returns how many rows it handled.
 */
export async function hashPendingSuppressions(db: Queryable, addressKey: string): Promise<number> {
  const { rows } = await db.query<{ suppression_id: number; channel: Channel; reason: string; source: string; created_at: Date; email: string | null; phone: string | null }>(
    `select s.suppression_id, s.channel, s.reason, s.source, s.created_at, c.email, c.phone
       from suppressions s left join customers c on c.customer_id = s.customer_id
      where s.hash_pending`,
  );
  if (rows.length === 0) return 0;
  const hashed = rows.map((row) => ({ ...row, hash: channelAddressHash(addressKey, row.channel, row) }));
  const keyed = hashed.filter((row): row is typeof row & { hash: string } => row.hash !== null);
  await db.query(
    `insert into suppressions (address_hash, channel, reason, source, created_at)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
     on conflict (channel, address_hash) do nothing`,
    [keyed.map((r) => r.hash), keyed.map((r) => r.channel), keyed.map((r) => r.reason), keyed.map((r) => r.source), keyed.map((r) => r.created_at)],
  );
  const replaced = keyed.filter((row) => row.source !== 'link').map((row) => row.suppression_id);
  await db.query('delete from suppressions where suppression_id = any($1::bigint[])', [replaced]);
  await db.query('update suppressions set hash_pending = false where suppression_id = any($1::bigint[]) and hash_pending', [rows.map((row) => row.suppression_id)]);
  return rows.length;
}
