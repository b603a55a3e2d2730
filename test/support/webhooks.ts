// The providers' webhooks as they call them, signed for real: SendGrid's event batches and
// Twilio's inbound SMS, for tests that need a customer's replies and events.
import type { Clock } from '../../src/clock.js';
import { signEventWebhook } from '../fakes/fake-sendgrid.js';
import { twilioSignature } from '../fakes/fake-twilio.js';
import type { TestEngine } from './engine.js';

/** Posts a batch of SendGrid events, signed with `privateKeyPem` at the clock's time. */
export async function postSendGridEvents(engine: TestEngine, privateKeyPem: string, clock: Clock, events: unknown[]): Promise<Response> {
  const payload = JSON.stringify(events);
  const headers = signEventWebhook(payload, privateKeyPem, String(Math.floor(clock.now().getTime() / 1000)));
  return engine.api('/webhooks/sendgrid', { method: 'POST', token: null, body: payload, headers: { ...headers, 'content-type': 'application/json' } });
}

/** Posts an inbound SMS as Twilio does, to the engine whose PUBLIC_BASE_URL is `publicUrl`. */
export async function postInboundSms(engine: TestEngine, twilio: { accountSid: string; authToken: string }, publicUrl: string, sms: { body: string; sid: string; from: string }): Promise<Response> {
  const params = { MessageSid: sms.sid, From: sms.from, To: '+15005550006', Body: sms.body, AccountSid: twilio.accountSid };
  const signature = twilioSignature(twilio.authToken, `${publicUrl}/webhooks/twilio/inbound`, params);
  return engine.api('/webhooks/twilio/inbound', {
    method: 'POST',
    token: null,
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  });
}
