// A local SendGrid: POST /v3/mail/send as SendGrid answers it (Bearer key, JSON body checked,
// 202 with X-Message-Id), and the event webhook's ECDSA signing, for webhook tests.
import { randomBytes } from 'node:crypto';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';

export interface MailSendBody {
  personalizations: { to: { email: string; name?: string }[] }[];
  from: { email: string; name?: string };
  subject: string;
  content: { type: string; value: string }[];
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
  categories?: string[];
}

export interface AcceptedMail {
  messageId: string;
  body: MailSendBody;
  at: number;
}

const error = (message: string, field: string | null = null) => ({ errors: [{ message, field, help: null }] });

function invalid(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const b = body as Partial<MailSendBody>;
  if (!b.personalizations?.[0]?.to?.[0]?.email) return 'The to field is required';
  if (!b.from?.email) return 'The from object must be provided for every email send.';
  if (!b.subject) return 'The subject is required.';
  if (!b.content?.length) return 'Unless a valid template_id is provided, the content parameter is required.';
  if (b.custom_args && Object.values(b.custom_args).some((v) => typeof v !== 'string')) return 'Custom args values must be strings.';
  return null;
}

export async function startFakeSendGrid(options: { apiKey?: string } = {}): Promise<ScriptedServer & { apiKey: string; accepted: AcceptedMail[] }> {
  const apiKey = options.apiKey ?? `SG.${randomBytes(8).toString('hex')}.${randomBytes(16).toString('hex')}`;
  const accepted: AcceptedMail[] = [];
  const server = await startScriptedServer((request) => {
    if (request.method !== 'POST' || request.path !== '/v3/mail/send') return { status: 404, body: error('not found') };
    if (request.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: error('The provided authorization grant is invalid, expired, or revoked') };
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return { status: 400, body: error('Invalid JSON') };
    }
    const problem = invalid(body);
    if (problem) return { status: 400, body: error(problem) };
    const messageId = randomBytes(11).toString('base64url');
    accepted.push({ messageId, body: body as MailSendBody, at: Date.now() });
    return { status: 202, headers: { 'x-message-id': messageId } };
  });
  return Object.assign(server, { apiKey, accepted });
}

export { eventWebhookKeys, signEventWebhook } from '../../src/synthetic/provider-signing.js';
