// A local Twilio: the Messages API as Twilio answers it (Basic auth with the account SID and
// auth token, a form body, E.164 checks with Twilio's error codes, 201 with a Message
// resource), and X-Twilio-Signature for webhook tests.
import { randomBytes } from 'node:crypto';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';

export interface AcceptedSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  at: number;
}

const twilioError = (code: number, message: string, status: number) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

export async function startFakeTwilio(options: { accountSid?: string; authToken?: string } = {}): Promise<ScriptedServer & { accountSid: string; authToken: string; accepted: AcceptedSms[] }> {
  const accountSid = options.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const accepted: AcceptedSms[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const server = await startScriptedServer((request) => {
    if (request.method !== 'POST' || request.path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      return { status: 404, body: twilioError(20404, 'The requested resource was not found', 404) };
    }
    if (request.headers.authorization !== expectedAuth) return { status: 401, body: twilioError(20003, 'Authenticate', 401) };
    const form = new URLSearchParams(request.body);
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const body = form.get('Body') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) {
      return { status: 400, body: twilioError(21211, `The 'To' number ${to} is not a valid phone number.`, 400) };
    }
    if (!from) return { status: 400, body: twilioError(21603, "The 'From' phone number is required.", 400) };
    if (!body) return { status: 400, body: twilioError(21602, 'Message body is required.', 400) };
    const sid = `SM${randomBytes(16).toString('hex')}`;
    accepted.push({ sid, to, from, body, statusCallback: form.get('StatusCallback'), at: Date.now() });
    const now = new Date().toUTCString();
    return {
      status: 201,
      body: {
        sid,
        account_sid: accountSid,
        to,
        from,
        body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        date_created: now,
        date_updated: now,
        date_sent: null,
        error_code: null,
        error_message: null,
        price: null,
        api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      },
    };
  });
  return Object.assign(server, { accountSid, authToken, accepted });
}

export { twilioSignature } from '../../src/synthetic/provider-signing.js';
