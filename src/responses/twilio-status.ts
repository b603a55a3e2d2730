// Twilio's message status callback, once its signature is verified: stored once per
// (message, status) and applied to the SMS delivery its URL names.
import { refreshInterventionDeliveryStatuses } from '../db/deliveries.js';
import { applyDeliveryEvent, findDeliveryRef } from '../db/events.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { twilioStatusEffect } from '../domain/provider-events.js';

export interface TwilioStatusCallback {
  messageSid: string;
  status: string;
  errorCode: string | null;
  /** from the callback URL we gave Twilio */
  deliveryId: number | null;
  /** the form as Twilio sent it, kept with the event */
  params: Record<string, string>;
}

/** Returns whether the callback named one of our SMS deliveries, and whether it was new. */
export async function recordTwilioStatus(pool: Pool, callback: TwilioStatusCallback, at: Date): Promise<{ matched: boolean; applied: boolean }> {
  const found = callback.deliveryId === null ? null : await findDeliveryRef(pool, callback.deliveryId);
  // The callback must be about this delivery's message: a delivery already tied to another
  // message id is not moved by it.
  const delivery = found && found.channel === 'sms' && (found.providerMessageId === null || found.providerMessageId === callback.messageSid) ? found : null;
  const applied = await withTransaction(pool, (client) =>
    applyDeliveryEvent(
      client,
      {
        provider: 'twilio',
        eventKey: `${callback.messageSid}:${callback.status}`,
        eventType: callback.status,
        deliveryId: delivery?.deliveryId ?? null,
        payload: callback.params,
        providerMessageId: callback.messageSid,
      },
      delivery,
      twilioStatusEffect(callback.status, callback.errorCode),
      null,
      at,
    ),
  );
  if (applied && delivery) await refreshInterventionDeliveryStatuses(pool, [delivery.interventionId], at);
  return { matched: delivery !== null, applied };
}
