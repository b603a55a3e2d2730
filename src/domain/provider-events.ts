// What a provider's event or a customer's reply means for us: the delivery status it implies,
// a suppression it requires, a response it records. Pure; the webhooks apply it.
import type { Channel, DeliveryStatus, ResponseType } from './types.js';

export interface EventEffect {
  /** the status this event implies, applied only if it is further along than the current one */
  status: DeliveryStatus | null;
  /** the channel the event's address opts out of, and why */
  suppress: { channel: Channel; reason: string } | null;
  response: ResponseType | null;
  error: string | null;
}

const none: EventEffect = { status: null, suppress: null, response: null, error: null };

/**
 * How far along a delivery is. A status moves only forward, so events arriving out of order
 * (a late 'processed' after 'delivered') change nothing. A provider-reported failure ranks
 * with 'delivered': the first final outcome stands.
 */
const RANK: Record<DeliveryStatus, number> = {
  pending: 0,
  scheduled: 0,
  sending: 1,
  unknown: 1,
  sent: 2,
  outbox: 2,
  delivered: 3,
  bounced: 3,
  failed: 3,
  suppressed: 3,
  opened: 4,
  clicked: 5,
};

export function isAdvance(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return RANK[to] > RANK[from];
}

export const STATUS_RANK = RANK;

/** A SendGrid event webhook event (the fields we use). */
export interface SendGridEvent {
  event: string;
  type?: string;
  reason?: string;
  response?: string;
}

export function sendGridEventEffect(event: SendGridEvent): EventEffect {
  switch (event.event) {
    case 'processed':
      return { ...none, status: 'sent' };
    case 'delivered':
      return { ...none, status: 'delivered' };
    case 'open':
      return { ...none, status: 'opened' };
    case 'click':
      return { ...none, status: 'clicked', response: 'engaged' };
    case 'bounce': {
      // type 'bounce' is a hard bounce (the address does not exist); 'blocked' is temporary.
      const hard = event.type !== 'blocked';
      return { ...none, status: 'bounced', suppress: hard ? { channel: 'email', reason: 'hard_bounce' } : null, error: event.reason ?? null };
    }
    case 'dropped':
      return { ...none, status: 'failed', error: `dropped: ${event.reason ?? 'no reason given'}` };
    case 'spamreport':
      return { ...none, suppress: { channel: 'email', reason: 'spam_report' }, response: 'opted_out' };
    case 'unsubscribe':
    case 'group_unsubscribe':
      return { ...none, suppress: { channel: 'email', reason: 'unsubscribe' }, response: 'opted_out' };
    default:
      // deferred, group_resubscribe and anything new: stored, no effect.
      return none;
  }
}

/** A Twilio message status callback's MessageStatus. */
export function twilioStatusEffect(status: string, errorCode: string | null): EventEffect {
  switch (status) {
    case 'accepted':
    case 'queued':
    case 'sending':
    case 'sent':
      return { ...none, status: 'sent' };
    case 'delivered':
      return { ...none, status: 'delivered' };
    case 'undelivered':
    case 'failed':
      return { ...none, status: 'failed', error: `twilio ${status}${errorCode ? `, error ${errorCode}` : ''}` };
    case 'read':
      return { ...none, status: 'opened' };
    default:
      return none;
  }
}
