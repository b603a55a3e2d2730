// SendGrid v3 mail send through the official @sendgrid/mail. Each sender has its own
// MailService and Client (not the module's singleton), so that base URL, key and timeout are
// per instance: SENDGRID_API_URL points it at a local fake in tests.
import sendgridClient from '@sendgrid/client';
import sendgridMail from '@sendgrid/mail';
import { sendGridError } from './provider-error.js';

// The packages export a singleton with its class attached (module.exports.Client /
// .MailService); their type declarations only describe the singleton.
const { Client } = sendgridClient as unknown as { Client: new () => typeof sendgridClient };
const { MailService } = sendgridMail as unknown as { MailService: new () => typeof sendgridMail };

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

export function createSendGridSender(options: { apiKey: string; apiUrl: string; fromEmail: string; fromName: string; timeoutMs?: number }): SendGridSender {
  const client = new Client();
  client.setApiKey(options.apiKey);
  client.setDefaultRequest('baseUrl', options.apiUrl);
  const mail = new MailService();
  mail.setClient(client);
  mail.setTimeout(options.timeoutMs ?? 10_000);
  return {
    async send(message) {
      try {
        const [response] = await mail.send({
          to: message.to,
          from: { email: options.fromEmail, name: options.fromName },
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: message.headers,
          customArgs: message.customArgs,
          categories: message.categories,
        });
        const id = response.headers['x-message-id'];
        return { providerMessageId: typeof id === 'string' ? id : null };
      } catch (error) {
        throw sendGridError(error);
      }
    },
  };
}
