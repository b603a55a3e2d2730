// The SMS channel: Twilio's Messages API when configured, the outbox otherwise. The status
// callback URL carries the delivery id, so callbacks map back even before our record lands.
import type { Config } from '../config.js';
import type { DeliveryWork } from '../db/deliveries.js';
import type { Transport } from '../delivery/deliver.js';
import { outboxTransport } from './outbox.js';
import { storedMessage, storedSms } from './stored-messages.js';
import { createTwilioSender } from './twilio.js';

export function statusCallbackUrl(publicBaseUrl: string, deliveryId: number): string {
  return `${publicBaseUrl}/webhooks/twilio/status?delivery_id=${deliveryId}`;
}

export function smsRequest(work: DeliveryWork, publicBaseUrl: string) {
  return {
    to: work.customer.phone ?? '',
    body: storedMessage(work, storedSms).body,
    statusCallback: statusCallbackUrl(publicBaseUrl, work.deliveryId),
  };
}

export function twilioConfigured(config: Config): boolean {
  return Boolean(config.twilio.accountSid && config.twilio.authToken && config.twilio.fromNumber);
}

export function smsTransport(config: Config): Transport {
  const { accountSid, authToken, fromNumber, apiUrl } = config.twilio;
  if (!accountSid || !authToken || !fromNumber) {
    return outboxTransport('sms', (work) => {
      const request = smsRequest(work, config.publicBaseUrl);
      return { recipient: request.to, payload: request };
    });
  }
  const sender = createTwilioSender({ accountSid, authToken, fromNumber, apiUrl, timeoutMs: config.providerTimeoutMs });
  return { kind: 'provider', channel: 'sms', provider: 'twilio', send: (work) => sender.send(smsRequest(work, config.publicBaseUrl)) };
}
