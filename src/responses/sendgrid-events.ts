// SendGrid's event webhook, once its signature is verified: each event is stored once (its
// sg_event_id) and applied to the email delivery it names (custom_args.delivery_id): a status
// that only moves forward, a suppression of the event's address for bounces, spam reports and
// unsubscribes, a response.
import { createHash } from 'node:crypto';
import { addressHash } from '../domain/address-hash.js';
import { refreshInterventionDeliveryStatuses } from '../db/deliveries.js';
import { applyDeliveryEvent, findDeliveryRef } from '../db/events.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { sendGridEventEffect, type SendGridEvent } from '../domain/provider-events.js';

export interface IncomingSendGridEvent extends SendGridEvent {
  sg_event_id?: string | undefined;
  email?: string | undefined;
  delivery_id?: string | number | undefined;
}

function deliveryIdOf(value: string | number | undefined): number | null {
  const text = value === undefined ? '' : String(value);
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

/** Applies a batch of events; events for deliveries we do not know are kept, marked unmatched. */
export async function recordSendGridEvents(pool: Pool, events: readonly IncomingSendGridEvent[], addressKey: string, at: Date): Promise<{ applied: number; unmatched: number }> {
  let applied = 0;
  let unmatched = 0;
  const touched: number[] = [];
  for (const event of events) {
    const deliveryId = deliveryIdOf(event.delivery_id);
    const found = deliveryId === null ? null : await findDeliveryRef(pool, deliveryId);
    const delivery = found !== null && found.channel === 'email' ? found : null;
    if (!delivery) unmatched += 1;
    // sg_event_id is SendGrid's unique id for an event; without one, the event's own content is.
    const eventKey = event.sg_event_id ?? createHash('sha256').update(JSON.stringify(event)).digest('base64url');
    // The address SendGrid sent to is the one that bounced or opted out; the customer's address
    // now stands in when the event does not name one.
    const address = addressHash(addressKey, 'email', event.email ?? delivery?.customer.email ?? null);
    const stored = await withTransaction(pool, (client) =>
      applyDeliveryEvent(client, { provider: 'sendgrid', eventKey, eventType: event.event, deliveryId: delivery?.deliveryId ?? null, payload: event }, delivery, sendGridEventEffect(event), address, at),
    );
    if (stored) applied += 1;
    if (stored && delivery) touched.push(delivery.interventionId);
  }
  await refreshInterventionDeliveryStatuses(pool, touched, at);
  return { applied, unmatched };
}
