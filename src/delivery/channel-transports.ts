// Each channel's transport, chosen from the configuration: SendGrid and Twilio when their
// credentials are set, the outbox otherwise; the inbox and agent tasks always.
import type { Config } from '../config.js';
import type { Channel } from '../domain/types.js';
import type { Transport } from './transport.js';
import { agentTaskTransport } from './transports/agent-task.js';
import { emailTransport, sendgridConfigured } from './transports/email.js';
import { inboxTransport } from './transports/inbox.js';
import { smsTransport, twilioConfigured } from './transports/sms.js';

export type Transports = { [C in Channel]: Transport<C> };

export function createTransports(config: Config): Transports {
  return {
    email: emailTransport(config),
    sms: smsTransport(config),
    app_notification: inboxTransport,
    phone: agentTaskTransport,
  };
}

/** Which providers are live and which fall back to the outbox; said once at start-up. */
export function describeTransports(config: Config): string {
  const email = sendgridConfigured(config) ? 'SendGrid' : 'outbox (no SENDGRID_API_KEY / SENDGRID_FROM_EMAIL)';
  const sms = twilioConfigured(config) ? 'Twilio' : 'outbox (no TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_FROM_NUMBER)';
  return `email via ${email}; sms via ${sms}`;
}
