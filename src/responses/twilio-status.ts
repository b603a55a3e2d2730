// Twilio's message status callback, once its signature is verified: stored once per
// (message, status) and applied to the SMS delivery its URL names. A callback that cannot be
// applied (an id or status with a code point PostgreSQL cannot store, a row the database
// refuses) is kept as rejected with why, and answered all the same: Twilio would retry it.
import { refreshInterventionDeliveryStatuses } from '../db/deliveries.js';
import { applyDeliveryEvents, findDeliveryRef } from '../db/events.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { isRefused, writeIsolatingRefused } from '../db/refused-rows.js';
import { recordRejectedEvents } from '../db/rejected-events.js';
import { invalidCodePoint } from '../domain/outside-text.js';
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

/** Why a callback's identifying fields cannot be taken, or null. */
function invalidCallback(callback: TwilioStatusCallback): string | null {
  for (const [field, value] of [['MessageSid', callback.messageSid], ['MessageStatus', callback.status], ['ErrorCode', callback.errorCode]] as const) {
    const bad = value === null ? null : invalidCodePoint(value);
    if (bad) return `${field} ${bad}`;
  }
  return null;
}

/** Returns whether the callback named one of our SMS deliveries, whether it was new, and why it was rejected (or null). */
export async function recordTwilioStatus(pool: Pool, callback: TwilioStatusCallback, at: Date): Promise<{ matched: boolean; applied: boolean; rejected: string | null }> {
  const invalid = invalidCallback(callback);
  if (invalid) {
    await recordRejectedEvents(pool, 'twilio', [{ reason: invalid, payload: callback.params }], at);
    return { matched: false, applied: false, rejected: invalid };
  }
  const found = callback.deliveryId === null ? null : await findDeliveryRef(pool, callback.deliveryId);
  // The callback must be about this delivery's message: a delivery already tied to another
  // message id is not moved by it.
  const delivery = found && found.channel === 'sms' && (found.providerMessageId === null || found.providerMessageId === callback.messageSid) ? found : null;
  const event = {
    event: {
      provider: 'twilio' as const,
      eventKey: `${callback.messageSid}:${callback.status}`,
      eventType: callback.status,
      deliveryId: delivery?.deliveryId ?? null,
      payload: callback.params,
      providerMessageId: callback.messageSid,
    },
    delivery,
    effect: twilioStatusEffect(callback.status, callback.errorCode),
    addressHash: null,
  };
  const [outcome] = await writeIsolatingRefused([event], (batch) => withTransaction(pool, (client) => applyDeliveryEvents(client, batch, at)));
  if (isRefused(outcome)) {
    const reason = `could not be stored: ${outcome.refused}`;
    await recordRejectedEvents(pool, 'twilio', [{ reason, payload: callback.params }], at);
    return { matched: delivery !== null, applied: false, rejected: reason };
  }
  if (outcome?.statusMoved && delivery) await refreshInterventionDeliveryStatuses(pool, [delivery.interventionId], at);
  return { matched: delivery !== null, applied: outcome?.stored ?? false, rejected: null };
}
