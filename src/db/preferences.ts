// A customer's choices as stored: the chosen language in customer_preferences (read over the
// lender's customers.locale), each channel turned off as a suppression keyed by the customer
// (reason 'preference'), and every change in preference_changes. Changes are made inside the
// caller's transaction, after lockCustomers, so that two forms sent at once cannot both apply.
import { addressHash } from '../domain/address-hash.js';
import {
  channelStates,
  describeDiff,
  PREFERENCE_CHANNELS,
  isEmptyDiff,
  PREFERENCE_REASON,
  preferenceDiff,
  type ChannelStates,
  type PreferenceDiff,
  type PreferenceRequest,
  type PreferenceSource,
  type SuppressionRow,
} from '../domain/preferences.js';
import type { Channel } from '../domain/types.js';
import { findCustomerAddresses } from './customers.js';
import { lockCustomers } from './evaluation-state.js';
import { jsonb, withTransaction, type Pool, type PoolClient, type Queryable } from './pool.js';
import { findLatestContactedIntervention, recordResponse } from './responses.js';
import { suppressAddress, suppressCustomer } from './suppressions.js';

export type PreferenceChanges = Record<string, { from: string | null; to: string | null }>;

export interface CustomerPreferences {
  customerId: string;
  /** the lender's locale for the customer (customers.locale) */
  lenderLocale: string;
  /** the language the customer chose, or null */
  chosenLocale: string | null;
  /** the locale the customer is written to: their choice, else the lender's */
  locale: string;
  smsConsent: boolean;
  channels: ChannelStates;
}

/** The customer's choices, or null for a customer the customers table does not hold. */
export async function loadPreferences(db: Queryable, customerId: string, addressKey: string): Promise<CustomerPreferences | null> {
  const { rows } = await db.query<{ email: string | null; phone: string | null; locale: string; sms_consent: boolean; chosen_locale: string | null }>(
    `select c.email, c.phone, c.locale, c.sms_consent, cp.locale as chosen_locale
       from customers c left join customer_preferences cp on cp.customer_id = c.customer_id
      where c.customer_id = $1`,
    [customerId],
  );
  const customer = rows[0];
  if (!customer) return null;
  const suppressions = await db.query<{ channel: Channel; reason: string; source: string; created_at: Date; by_customer: boolean }>(
    `select channel, reason, source, created_at, customer_id is not null as by_customer from suppressions
      where (customer_id = $1 and channel = any($2::text[]))
         or (channel = 'email' and address_hash = $3) or (channel = 'sms' and address_hash = $4)
      order by created_at, suppression_id`,
    [customerId, PREFERENCE_CHANNELS, addressHash(addressKey, 'email', customer.email), addressHash(addressKey, 'phone', customer.phone)],
  );
  const found: SuppressionRow[] = suppressions.rows.map((row) => ({
    channel: row.channel,
    reason: row.reason,
    source: row.source,
    since: row.created_at,
    keyedBy: row.by_customer ? 'customer' : 'address',
  }));
  return {
    customerId,
    lenderLocale: customer.locale,
    chosenLocale: customer.chosen_locale,
    locale: customer.chosen_locale ?? customer.locale,
    smsConsent: customer.sms_consent,
    channels: channelStates(found, customer.sms_consent),
  };
}

/** Applies a diff (preferenceDiff) and records it; returns what changed, as recorded. */
export async function applyPreferenceDiff(
  db: Queryable,
  customerId: string,
  diff: PreferenceDiff,
  who: { source: PreferenceSource; actor: string },
  at: Date,
): Promise<PreferenceChanges> {
  if (isEmptyDiff(diff)) return {};
  if (diff.turnOn.length > 0) {
    await db.query('delete from suppressions where customer_id = $1 and reason = $2 and channel = any($3::text[])', [customerId, PREFERENCE_REASON, diff.turnOn]);
  }
  if (diff.turnOff.length > 0) {
    await db.query(
      `insert into suppressions (customer_id, channel, reason, source, created_at)
       select $1, channel, $2, $3, $4 from unnest($5::text[]) as channel
       on conflict (customer_id, channel) do nothing`,
      [customerId, PREFERENCE_REASON, who.source, at, diff.turnOff],
    );
  }
  if (diff.locale) {
    await db.query(
      `insert into customer_preferences (customer_id, locale, updated_at) values ($1, $2, $3)
       on conflict (customer_id) do update set locale = excluded.locale, updated_at = excluded.updated_at`,
      [customerId, diff.locale.to, at],
    );
  }
  const changes = describeDiff(diff);
  await db.query('insert into preference_changes (customer_id, at, source, actor, changes) values ($1, $2, $3, $4, $5)', [
    customerId,
    at,
    who.source,
    who.actor,
    jsonb(changes),
  ]);
  return changes;
}

/**
 * Changes the customer's choices to what `request` asks, in one transaction (after the same
 * per-customer lock as evaluation); `onChange` runs in it when something changed (the agents'
 * audit entry). Returns the choices after, and what changed; null for an unknown customer.
 */
export async function changePreferences(
  pool: Pool,
  customerId: string,
  addressKey: string,
  request: PreferenceRequest,
  who: { source: PreferenceSource; actor: string },
  at: Date,
  onChange?: (client: PoolClient, changes: PreferenceChanges) => Promise<void>,
): Promise<{ preferences: CustomerPreferences; changes: PreferenceChanges } | null> {
  return withTransaction(pool, async (client) => {
    await lockCustomers(client, [customerId]);
    const before = await loadPreferences(client, customerId, addressKey);
    if (!before) return null;
    const changes = await applyPreferenceDiff(client, customerId, preferenceDiff(before.channels, before.chosenLocale, request), who, at);
    if (Object.keys(changes).length === 0) return { preferences: before, changes };
    await onChange?.(client, changes);
    return { preferences: (await loadPreferences(client, customerId, addressKey)) ?? before, changes };
  });
}

/**
 * The one-click unsubscribe (RFC 8058): suppresses email to the customer's address (for whoever
 * has it, now or later) and to the customer (at any address they give later), and records the
 * opt-out on their latest intervention. Returns false when both were already so: a second click
 * changes nothing.
 */
export async function unsubscribeFromEmail(pool: Pool, customerId: string, addressKey: string, at: Date): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const optOut = { channel: 'email', reason: 'unsubscribe', source: 'link' } as const;
    const address = addressHash(addressKey, 'email', (await findCustomerAddresses(client, customerId))?.email ?? null);
    const newForAddress = address !== null && (await suppressAddress(client, address, optOut, at));
    const newForCustomer = await suppressCustomer(client, customerId, optOut, at);
    if (!newForAddress && !newForCustomer) return false;
    const interventionId = await findLatestContactedIntervention(client, customerId);
    if (interventionId) await recordResponse(client, interventionId, 'opted_out', 'unsubscribe_link', null, at);
    return true;
  });
}
