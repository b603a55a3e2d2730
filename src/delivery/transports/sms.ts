// The SMS channel: Twilio's Messages API when configured, the outbox otherwise. The status
// callback URL carries the delivery id, so callbacks map back even before our record lands.
import type { Config } from '../../config.js';
import type { LocalTransport, ProviderTransport, ReadyDelivery } from '../transport.js';
import { outboxTransport } from './outbox.js';
import { createTwilioSender, type SmsSend } from './twilio.js';

export function statusCallbackUrl(publicBaseUrl: string, deliveryId: number): string {
  return `${publicBaseUrl}/webhooks/twilio/status?delivery_id=${deliveryId}`;
}

export function smsRequest({ work, message }: ReadyDelivery<'sms'>, publicBaseUrl: string): SmsSend {
  return { to: work.customer.phone ?? '', body: message.body, statusCallback: statusCallbackUrl(publicBaseUrl, work.deliveryId) };
}

export function twilioConfigured(config: Config): boolean {
  return Boolean(config.twilio.accountSid && config.twilio.authToken && config.twilio.fromNumber);
}

export function smsTransport(config: Config): ProviderTransport<'sms'> | LocalTransport<'sms'> {
  const { accountSid, authToken, fromNumber, apiUrl } = config.twilio;
  if (!accountSid || !authToken || !fromNumber) {
    return outboxTransport('sms', (ready) => {
      const request = smsRequest(ready, config.publicBaseUrl);
      return { recipient: request.to, payload: request };
    });
  }
  const sender = createTwilioSender({ accountSid, authToken, fromNumber, apiUrl, timeoutMs: config.providerTimeoutMs });
  return { kind: 'provider', channel: 'sms', provider: 'twilio', send: (ready) => sender.send(smsRequest(ready, config.publicBaseUrl)) };
}
