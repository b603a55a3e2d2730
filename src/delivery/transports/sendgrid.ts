// SendGrid v3 mail send through the official @sendgrid/client. Each sender has its own Client
// (not the module's singleton), so that base URL, key and timeout are per instance:
// SENDGRID_API_URL points it at a local fake in tests.
//
// The body is built here, as @sendgrid/mail's helpers build it from the same fields (the
// delivery-providers test checks it on the wire): those helpers deep-clone and re-key every
// message, which cost more than the request itself (4,000 sends, 5 at a time, against a fake in
// another process: 512–591 µs of this process's CPU a send through @sendgrid/mail, 442–482
// through the client, 403–420 with redirects off too; 4 alternating rounds).
import sendgridClient from '@sendgrid/client';
import { sendGridError } from './provider-error.js';

// The package exports a singleton with its class attached (module.exports.Client); its type
// declarations only describe the singleton.
const { Client } = sendgridClient as unknown as { Client: new () => typeof sendgridClient };

export interface MailSend {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  customArgs: Record<string, string>;
  categories: string[];
}

export interface SendGridSender {
  send(message: MailSend): Promise<{ providerMessageId: string | null }>;
}

/** The axios options the client passes through, which its type declarations leave out. */
interface TransportOptions {
  timeout: number;
  /** SendGrid's API never redirects; without following, axios takes Node's http directly. */
  maxRedirects: number;
}

export function createSendGridSender(options: { apiKey: string; apiUrl: string; fromEmail: string; fromName: string; timeoutMs?: number }): SendGridSender {
  const client = new Client();
  client.setApiKey(options.apiKey);
  client.setDefaultRequest('baseUrl', options.apiUrl);
  const transport: TransportOptions = { timeout: options.timeoutMs ?? 10_000, maxRedirects: 0 };
  client.setDefaultRequest(transport as unknown as Parameters<typeof client.setDefaultRequest>[0]);
  const from = { email: options.fromEmail, name: options.fromName };
  return {
    async send(message) {
      try {
        const [response] = await client.request({
          method: 'POST',
          url: '/v3/mail/send',
          body: {
            from,
            subject: message.subject,
            personalizations: [{ to: [{ email: message.to }] }],
            categories: message.categories,
            content: [
              { value: message.text, type: 'text/plain' },
              { value: message.html, type: 'text/html' },
            ],
            headers: message.headers,
            custom_args: message.customArgs,
          },
        });
        const id = response.headers['x-message-id'];
        return { providerMessageId: typeof id === 'string' ? id : null };
      } catch (error) {
        throw sendGridError(error);
      }
    },
  };
}
