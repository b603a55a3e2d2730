// Twilio's webhooks: message status callbacks and inbound SMS. Both are checked with
// twilio.validateRequest against the exact public URL Twilio called (PUBLIC_BASE_URL plus the
// path and query string), so a request not signed with our auth token changes nothing.
import express, { Router, type Request } from 'express';
import twilio from 'twilio';
import { InputError } from '../../errors.js';
import { handleInboundSms } from '../../responses/inbound-sms.js';
import { recordTwilioStatus } from '../../responses/twilio-status.js';
import type { WebDeps } from '../deps.js';

type Form = Record<string, string>;

function formOf(req: Request): Form {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function twilioWebhooks(deps: Pick<WebDeps, 'config' | 'pool' | 'clock' | 'logger' | 'addressKey'>): Router {
  const router = Router();
  const authToken = deps.config.twilio.authToken;
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });

  /** Refuses anything Twilio did not sign; returns the form fields. */
  const verified = (req: Request): Form => {
    if (!authToken) throw new InputError('Twilio webhooks are not configured (set TWILIO_AUTH_TOKEN)', 403);
    if (!req.is('application/x-www-form-urlencoded')) throw new InputError('expected an application/x-www-form-urlencoded body', 415);
    const signature = req.get('x-twilio-signature');
    if (!signature) throw new InputError('missing X-Twilio-Signature', 401);
    const params = formOf(req);
    const url = `${deps.config.publicBaseUrl}${req.originalUrl}`;
    if (!twilio.validateRequest(authToken, signature, url, params)) throw new InputError('invalid Twilio signature', 401);
    return params;
  };

  router.post('/webhooks/twilio/status', form, async (req, res) => {
    const params = verified(req);
    const sid = params.MessageSid ?? params.SmsSid;
    const status = params.MessageStatus ?? params.SmsStatus;
    if (!sid || !status) throw new InputError('MessageSid and MessageStatus are required');
    const raw = typeof req.query.delivery_id === 'string' ? req.query.delivery_id : '';
    const deliveryId = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null;
    const { matched, applied, rejected } = await recordTwilioStatus(deps.pool, { messageSid: sid, status, errorCode: params.ErrorCode ?? null, deliveryId, params }, deps.clock.now());
    if (rejected) deps.logger.warn({ delivery_id: deliveryId, rejected }, 'twilio status rejected');
    else deps.logger.info({ delivery_id: matched ? deliveryId : null, status, applied, matched }, 'twilio status');
    // 2xx for a callback we cannot apply too (it is kept, with why): Twilio would retry it.
    res.status(matched && !rejected ? 204 : 202).end();
  });

  router.post('/webhooks/twilio/inbound', form, async (req, res) => {
    const params = verified(req);
    const sid = params.MessageSid ?? params.SmsSid;
    const from = params.From;
    if (!sid || !from) throw new InputError('MessageSid and From are required');
    const { reply, rejected } = await handleInboundSms(deps.pool, { messageSid: sid, from, body: params.Body ?? '', params }, deps.config.sender, deps.addressKey, deps.clock.now());
    if (rejected) deps.logger.warn({ rejected }, 'inbound sms rejected');
    const twiml = new twilio.twiml.MessagingResponse();
    if (reply !== null) twiml.message(reply);
    res.type('text/xml').send(twiml.toString());
  });
  return router;
}
