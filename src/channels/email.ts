// The email channel: SendGrid v3 mail send when configured, the outbox otherwise.
// custom_args carry our ids so that the event webhook maps back to the delivery.
import type { Config } from '../config.js';
import type { DeliveryWork } from '../db/deliveries.js';
import type { Transport } from '../delivery/deliver.js';
import { createSendGridSender } from './sendgrid.js';
import { outboxTransport } from './outbox.js';
import { storedEmail, storedMessage } from './stored-messages.js';

export function emailRequest(work: DeliveryWork) {
  const email = storedMessage(work, storedEmail);
  return {
    to: work.customer.email ?? '',
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers,
    customArgs: {
      intervention_id: String(work.interventionId),
      delivery_id: String(work.deliveryId),
      customer_id: work.customer.customerId,
    },
    categories: ['intervention', work.interventionType],
  };
}

export function sendgridConfigured(config: Config): boolean {
  return Boolean(config.sendgrid.apiKey && config.sendgrid.fromEmail);
}

export function emailTransport(config: Config): Transport {
  const { apiKey, fromEmail, fromName, apiUrl } = config.sendgrid;
  if (!apiKey || !fromEmail) {
    return outboxTransport('email', (work) => {
      const request = emailRequest(work);
      return { recipient: request.to, payload: { from: { email: config.sender.email, name: fromName }, ...request } };
    });
  }
  const sender = createSendGridSender({ apiKey, apiUrl, fromEmail, fromName, timeoutMs: config.providerTimeoutMs });
  return { kind: 'provider', channel: 'email', provider: 'sendgrid', send: (work) => sender.send(emailRequest(work)) };
}
