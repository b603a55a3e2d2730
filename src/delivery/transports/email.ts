// The email channel: SendGrid v3 mail send when configured, the outbox otherwise.
// custom_args carry our ids so that the event webhook maps back to the delivery.
import type { Config } from '../../config.js';
import type { ProviderTransport, LocalTransport, ReadyDelivery } from '../transport.js';
import { outboxTransport } from './outbox.js';
import { createSendGridSender, type MailSend } from './sendgrid.js';

export function emailRequest({ work, message }: ReadyDelivery<'email'>): MailSend {
  return {
    to: work.customer.email ?? '',
    subject: message.subject,
    html: message.html,
    text: message.text,
    headers: message.headers,
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

export function emailTransport(config: Config): ProviderTransport<'email'> | LocalTransport<'email'> {
  const { apiKey, fromEmail, fromName, apiUrl } = config.sendgrid;
  if (!apiKey || !fromEmail) {
    return outboxTransport('email', (ready) => {
      const request = emailRequest(ready);
      return { recipient: request.to, payload: { from: { email: config.sender.email, name: fromName }, ...request } };
    });
  }
  const sender = createSendGridSender({ apiKey, apiUrl, fromEmail, fromName, timeoutMs: config.providerTimeoutMs });
  return { kind: 'provider', channel: 'email', provider: 'sendgrid', send: (ready) => sender.send(emailRequest(ready)) };
}
