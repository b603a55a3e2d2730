// Provider events and what they change, applied in one transaction per event, once: the
// event's own key decides whether it was seen before.
import { jsonb, type PoolClient, type Queryable } from './pool.js';
import { STATUS_RANK, type EventEffect } from '../domain/provider-events.js';
import { DELIVERY_STATUSES, type Channel, type DeliveryStatus } from '../domain/types.js';
import { recordResponse } from './responses.js';
import { suppressAddress, suppressCustomer } from './suppressions.js';

export interface IncomingEvent {
  provider: 'sendgrid' | 'twilio';
  eventKey: string;
  eventType: string;
  deliveryId: number | null;
  payload: object;
  /** the provider's id for the message, filled in on a delivery that lacks it (an unknown send) */
  providerMessageId?: string | null;
}

export interface DeliveryRef {
  deliveryId: number;
  interventionId: number;
  customerId: string;
  channel: Channel;
  status: DeliveryStatus;
  providerMessageId: string | null;
  /** the customer's addresses now */
  customer: { email: string | null; phone: string | null };
}

export async function findDeliveryRef(db: Queryable, deliveryId: number): Promise<DeliveryRef | null> {
  const { rows } = await db.query<{
    delivery_id: number;
    intervention_id: number;
    customer_id: string;
    channel: Channel;
    status: DeliveryStatus;
    provider_message_id: string | null;
    email: string | null;
    phone: string | null;
  }>(
    `select d.delivery_id, d.intervention_id, d.customer_id, d.channel, d.status, d.provider_message_id, c.email, c.phone
       from deliveries d left join customers c on c.customer_id = d.customer_id
      where d.delivery_id = $1`,
    [deliveryId],
  );
  const row = rows[0];
  return row
    ? {
        deliveryId: row.delivery_id,
        interventionId: row.intervention_id,
        customerId: row.customer_id,
        channel: row.channel,
        status: row.status,
        providerMessageId: row.provider_message_id,
        customer: { email: row.email, phone: row.phone },
      }
    : null;
}

/** The statuses from which `to` is a step forward. */
function statusesBefore(to: DeliveryStatus): DeliveryStatus[] {
  return DELIVERY_STATUSES.filter((status) => STATUS_RANK[status] < STATUS_RANK[to]);
}

/**
 * How far back a provider's retry of an event is looked for. delivery_events is partitioned by
 * month of arrival, so (provider, event_key) cannot be a unique key (it would have to include the
 * arrival time); instead the key is locked for the transaction and looked for among the events
 * received this long before. Providers retry a webhook for hours to a few days; five weeks is far
 * beyond that, and reads only the current and the previous month's partitions, where a look in
 * every month kept would read an index of each (two years: 25) for every event.
 */
export const EVENT_REPEAT_WINDOW_DAYS = 35;

/**
 * Stores the event unless one with its key arrived within EVENT_REPEAT_WINDOW_DAYS; true when
 * stored. The transaction-scoped lock on the key makes a concurrent copy of the event wait
 * until this transaction ends, and then see its row (the insert's own snapshot is taken after
 * the lock is held, under READ COMMITTED).
 */
async function storeOnce(client: PoolClient, event: IncomingEvent, deliveryId: number | null, customerId: string | null, matched: boolean, at: Date): Promise<boolean> {
  await client.query("select pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 5113))", [event.provider, event.eventKey]);
  const { rowCount } = await client.query(
    `insert into delivery_events (provider, event_key, event_type, delivery_id, customer_id, matched, payload, received_at)
     select $1, $2, $3, $4, $5, $6,
            -- An event about a delivery made before its customer's personal data was erased is
            -- stored erased too: a provider's 'open' can come days after the message.
            case when exists (select 1 from erasures e
                                join deliveries d on d.customer_id = e.customer_id and d.delivery_id = $4
                                join interventions i on i.intervention_id = d.intervention_id
                               where e.customer_id = $5 and i.intervention_date <= e.erased_at)
                 then erased_event_payload($7::jsonb) else $7::jsonb end,
            $8
      where not exists (select from delivery_events e
                         where e.provider = $1 and e.event_key = $2 and e.received_at > $8::timestamptz - make_interval(days => $9))`,
    [event.provider, event.eventKey, event.eventType, deliveryId, customerId, matched, jsonb(event.payload), at, EVENT_REPEAT_WINDOW_DAYS],
  );
  return rowCount === 1;
}

/**
 * Stores the event and applies its effect to the delivery it names. Returns false when the
 * event was seen before (a provider's retry): then nothing changes. A suppression goes to the
 * address the event is about (`addressHash`), also when no delivery of ours matches it; without
 * one, to the delivery's customer. The caller refreshes the intervention's delivery_status after
 * the commit (refreshInterventionDeliveryStatus).
 */
export async function applyDeliveryEvent(client: PoolClient, event: IncomingEvent, delivery: DeliveryRef | null, effect: EventEffect, addressHash: string | null, at: Date): Promise<boolean> {
  const stored = await storeOnce(client, event, delivery?.deliveryId ?? null, delivery?.customerId ?? null, delivery !== null, at);
  if (!stored) return false;
  if (effect.suppress) {
    const optOut = { ...effect.suppress, source: event.provider };
    if (addressHash) await suppressAddress(client, addressHash, optOut, at);
    else if (delivery) await suppressCustomer(client, delivery.customerId, optOut, at);
  }
  if (!delivery) return true;

  if (effect.status) {
    await client.query(
      `update deliveries set status = $2, last_error = coalesce($3, last_error), provider_message_id = coalesce(provider_message_id, $5),
              sent_at = case when $2 in ('sent', 'delivered', 'opened', 'clicked') then coalesce(sent_at, $6) else sent_at end, updated_at = $6
        where delivery_id = $1 and status = any($4::text[])`,
      [delivery.deliveryId, effect.status, effect.error, statusesBefore(effect.status), event.providerMessageId ?? null, at],
    );
  }
  if (effect.response) await recordResponse(client, delivery.interventionId, effect.response, `${event.provider}:${event.eventType}`, null, at);
  return true;
}

/** Stores an event that changes no delivery (inbound SMS), once; inside the caller's transaction. */
export async function storeEvent(client: PoolClient, event: IncomingEvent & { customerId: string | null }, at: Date): Promise<boolean> {
  return storeOnce(client, event, null, event.customerId, event.customerId !== null, at);
}
