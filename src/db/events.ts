// Provider events and what they change, a batch at a time in a few set-based statements, each
// event once: its own key decides whether it was seen before.
import { jsonb, storableText, type PoolClient, type Queryable } from './pool.js';
import { STATUS_RANK, type EventEffect } from '../domain/provider-events.js';
import { DELIVERY_STATUSES, type Channel, type DeliveryStatus } from '../domain/types.js';
import { recordResponses } from './responses.js';

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

type DeliveryRefRow = {
  delivery_id: number;
  intervention_id: number;
  customer_id: string;
  channel: Channel;
  status: DeliveryStatus;
  provider_message_id: string | null;
  email: string | null;
  phone: string | null;
};

const toDeliveryRef = (row: DeliveryRefRow): DeliveryRef => ({
  deliveryId: row.delivery_id,
  interventionId: row.intervention_id,
  customerId: row.customer_id,
  channel: row.channel,
  status: row.status,
  providerMessageId: row.provider_message_id,
  customer: { email: row.email, phone: row.phone },
});

export async function findDeliveryRef(db: Queryable, deliveryId: number): Promise<DeliveryRef | null> {
  return (await findDeliveryRefs(db, [deliveryId])).get(deliveryId) ?? null;
}

/** The deliveries among `deliveryIds` that exist, by id, in one query. */
export async function findDeliveryRefs(db: Queryable, deliveryIds: readonly number[]): Promise<Map<number, DeliveryRef>> {
  if (deliveryIds.length === 0) return new Map();
  const { rows } = await db.query<DeliveryRefRow>(
    `select d.delivery_id, d.intervention_id, d.customer_id, d.channel, d.status, d.provider_message_id, c.email, c.phone
       from deliveries d left join customers c on c.customer_id = d.customer_id
      where d.delivery_id = any($1::bigint[])`,
    [[...new Set(deliveryIds)]],
  );
  return new Map(rows.map((row) => [row.delivery_id, toDeliveryRef(row)]));
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

// An event about a delivery made before its customer's personal data was erased is stored erased
// too: a provider's 'open' can come days after the message. ($d: the delivery id, $c: the customer id)
// Erasures are few: the customer's is looked for first, and only then the delivery (a probe of
// every month's partition of deliveries, which an event of a customer never erased never pays).
const payloadUnlessErased = (payload: string, d: string, c: string) => `
  case when exists (select 1 from erasures e
                     where e.customer_id = ${c}
                       and exists (select 1 from deliveries d join interventions i on i.intervention_id = d.intervention_id
                                    where d.delivery_id = ${d} and d.customer_id = e.customer_id and i.intervention_date <= e.erased_at))
       then erased_event_payload(${payload}) else ${payload} end`;

/**
 * Stores each event unless one with its key arrived within EVENT_REPEAT_WINDOW_DAYS (or earlier
 * in `events`); returns, in order, whether each was stored. Transaction-scoped locks on the keys,
 * taken in one order, make a concurrent copy of an event wait until this transaction ends, and
 * then see its row (the insert's own snapshot is taken after the locks are held, under READ
 * COMMITTED); two batches that share keys never wait on each other in a circle.
 */
async function storeOnce(client: PoolClient, events: readonly { event: IncomingEvent; deliveryId: number | null; customerId: string | null; matched: boolean }[], at: Date): Promise<boolean[]> {
  const firstOfKey = new Map<string, number>();
  events.forEach(({ event }, index) => {
    const key = `${event.provider}:${event.eventKey}`;
    if (!firstOfKey.has(key)) firstOfKey.set(key, index);
  });
  const unique = [...firstOfKey.values()].map((index) => ({ index, ...events[index]! }));
  const providers = unique.map((u) => u.event.provider);
  const keys = unique.map((u) => u.event.eventKey);
  await client.query(
    `select pg_advisory_xact_lock(k) from (select distinct hashtextextended(p || ':' || e, 5113) as k from unnest($1::text[], $2::text[]) as u(p, e)) keys order by k`,
    [providers, keys],
  );
  const { rows } = await client.query<{ provider: string; event_key: string }>(
    `insert into delivery_events (provider, event_key, event_type, delivery_id, customer_id, matched, payload, received_at)
     select u.provider, u.event_key, u.event_type, u.delivery_id, u.customer_id, u.matched,
            ${payloadUnlessErased('u.payload', 'u.delivery_id', 'u.customer_id')}, $8
       from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::boolean[], $7::jsonb[]) with ordinality
            as u(provider, event_key, event_type, delivery_id, customer_id, matched, payload, n)
      where not exists (select from delivery_events e
                         where e.provider = u.provider and e.event_key = u.event_key and e.received_at > $8::timestamptz - make_interval(days => $9))
      order by u.n
     returning provider, event_key`,
    [
      providers,
      keys,
      unique.map((u) => u.event.eventType),
      unique.map((u) => u.deliveryId),
      unique.map((u) => u.customerId),
      unique.map((u) => u.matched),
      unique.map((u) => jsonb(u.event.payload)),
      at,
      EVENT_REPEAT_WINDOW_DAYS,
    ],
  );
  const storedKeys = new Set(rows.map((row) => `${row.provider}:${row.event_key}`));
  const stored = new Array<boolean>(events.length).fill(false);
  for (const u of unique) stored[u.index] = storedKeys.has(`${u.event.provider}:${u.event.eventKey}`);
  return stored;
}

export interface EventToApply {
  event: IncomingEvent;
  /** the delivery of ours the event is about, or null (then it is stored unmatched) */
  delivery: DeliveryRef | null;
  effect: EventEffect;
  /** the address the event is about (a suppression goes to it), or null: then to the delivery's customer */
  addressHash: string | null;
}

/** What one event of a batch came to. */
export interface AppliedEvent {
  /** new: not a provider's retry, nor a copy earlier in the batch (then it changed nothing) */
  stored: boolean;
  /** its delivery's status moved in this batch */
  statusMoved: boolean;
}

/**
 * Stores a batch of events and applies their effects, set-based: a few statements whatever the
 * batch's size, inside the caller's transaction. Returns, in order, what each event came to
 * (AppliedEvent): whether it was new, and whether its delivery's status moved. Each
 * delivery moves to the furthest status its new events imply, in the batch's order (a status
 * only moves forward); suppressions go to the event's address, or the delivery's customer; each
 * response is recorded, and an intervention shows the latest. The caller refreshes, after the
 * commit, the delivery_status of the interventions whose delivery moved
 * (refreshInterventionDeliveryStatuses): no other's can have changed.
 */
export async function applyDeliveryEvents(client: PoolClient, events: readonly EventToApply[], at: Date): Promise<AppliedEvent[]> {
  if (events.length === 0) return [];
  const stored = await storeOnce(
    client,
    events.map(({ event, delivery }) => ({ event, deliveryId: delivery?.deliveryId ?? null, customerId: delivery?.customerId ?? null, matched: delivery !== null })),
    at,
  );
  const applied = events.filter((_, index) => stored[index]);

  const byAddress = new Map<string, { channel: Channel; reason: string; source: string; hash: string }>();
  const byCustomer = new Map<string, { channel: Channel; reason: string; source: string; customerId: string }>();
  for (const { event, delivery, effect, addressHash } of applied) {
    if (!effect.suppress) continue;
    const optOut = { ...effect.suppress, source: event.provider };
    if (addressHash) byAddress.set(`${optOut.channel}:${addressHash}`, byAddress.get(`${optOut.channel}:${addressHash}`) ?? { ...optOut, hash: addressHash });
    else if (delivery) byCustomer.set(`${optOut.channel}:${delivery.customerId}`, byCustomer.get(`${optOut.channel}:${delivery.customerId}`) ?? { ...optOut, customerId: delivery.customerId });
  }
  if (byAddress.size > 0) {
    const rows = [...byAddress.values()];
    await client.query(
      `insert into suppressions (address_hash, channel, reason, source, created_at)
       select h, c, r, s, $5 from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(h, c, r, s)
       on conflict (channel, address_hash) do nothing`,
      [rows.map((r) => r.hash), rows.map((r) => r.channel), rows.map((r) => r.reason), rows.map((r) => r.source), at],
    );
  }
  if (byCustomer.size > 0) {
    const rows = [...byCustomer.values()];
    await client.query(
      `insert into suppressions (customer_id, channel, reason, source, created_at)
       select id, c, r, s, $5 from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(id, c, r, s)
       on conflict (customer_id, channel) do nothing`,
      [rows.map((r) => r.customerId), rows.map((r) => r.channel), rows.map((r) => r.reason), rows.map((r) => r.source), at],
    );
  }

  // Each delivery's events in the batch's order, from its status as read: where it ends, with
  // the error of the step that set it (or an earlier one's).
  const moves = new Map<number, { status: DeliveryStatus; error: string | null; providerMessageId: string | null; moved: boolean }>();
  for (const { event, delivery, effect } of applied) {
    if (!delivery || !effect.status) continue;
    const move = moves.get(delivery.deliveryId) ?? { status: delivery.status, error: null, providerMessageId: null, moved: false };
    if (STATUS_RANK[effect.status] > STATUS_RANK[move.status]) {
      move.status = effect.status;
      move.error = effect.error ?? move.error;
      move.moved = true;
    }
    move.providerMessageId ??= event.providerMessageId ?? null;
    moves.set(delivery.deliveryId, move);
  }
  const statusMoves = [...moves.entries()].filter(([, move]) => move.moved);
  const moved = new Set<number>();
  if (statusMoves.length > 0) {
    // The rank guard holds against the status as it is now, should it have moved since it was read.
    // The ids restrict d as well as join it: that probes the partitions' index on delivery_id (see src/db/deliveries.ts).
    const { rows } = await client.query<{ delivery_id: number }>(
      `update deliveries d
          set status = u.status, last_error = coalesce(u.error, d.last_error), provider_message_id = coalesce(d.provider_message_id, u.message_id),
              sent_at = case when u.status in ('sent', 'delivered', 'opened', 'clicked') then coalesce(d.sent_at, $5) else d.sent_at end, updated_at = $5
         from unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) as u(delivery_id, status, error, message_id)
        where d.delivery_id = any($1::bigint[]) and d.delivery_id = u.delivery_id
          and ($7::int[])[array_position($6::text[], d.status)] < ($7::int[])[array_position($6::text[], u.status)]
        returning d.delivery_id`,
      [statusMoves.map(([id]) => id), statusMoves.map(([, m]) => m.status), statusMoves.map(([, m]) => (m.error === null ? null : storableText(m.error))), statusMoves.map(([, m]) => m.providerMessageId), at, DELIVERY_STATUSES, DELIVERY_STATUSES.map((status) => STATUS_RANK[status])],
    );
    for (const row of rows) moved.add(row.delivery_id);
  }

  const responses = applied.flatMap(({ event, delivery, effect }) =>
    delivery && effect.response ? [{ interventionId: delivery.interventionId, type: effect.response, source: `${event.provider}:${event.eventType}` }] : [],
  );
  if (responses.length > 0) {
    await recordResponses(client, responses, at);
  }
  return events.map(({ delivery }, index) => ({ stored: stored[index] ?? false, statusMoved: delivery !== null && moved.has(delivery.deliveryId) }));
}

/** Stores an event that changes no delivery (inbound SMS), once; inside the caller's transaction. */
export async function storeEvent(client: PoolClient, event: IncomingEvent & { customerId: string | null }, at: Date): Promise<boolean> {
  const [stored] = await storeOnce(client, [{ event, deliveryId: null, customerId: event.customerId, matched: event.customerId !== null }], at);
  return stored ?? false;
}

/** One event: applyDeliveryEvents of a batch of one; whether it was new. */
export async function applyDeliveryEvent(client: PoolClient, event: IncomingEvent, delivery: DeliveryRef | null, effect: EventEffect, addressHash: string | null, at: Date): Promise<boolean> {
  const [applied] = await applyDeliveryEvents(client, [{ event, delivery, effect, addressHash }], at);
  return applied?.stored ?? false;
}
