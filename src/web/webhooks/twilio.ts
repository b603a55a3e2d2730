// Twilio's webhooks: message status callbacks and inbound SMS. Both are checked with
// twilio.validateRequest against the exact public URL Twilio called (PUBLIC_BASE_URL plus the
// path and query string), so a request not signed with our auth token changes nothing.
import express, { Router, type Request } from 'express';
import twilio from 'twilio';
import { refreshInterventionDeliveryStatus } from '../../db/deliveries.js';
import { applyDeliveryEvent, findDeliveryRef, storeEvent } from '../../db/events.js';
import { jsonb, storableText, withTransaction } from '../../db/pool.js';
import { findCustomerByPhone, findLatestContactedIntervention, recordResponse } from '../../db/responses.js';
import { addSuppression, liftSuppression } from '../../db/suppressions.js';
import { inboundKeyword, twilioStatusEffect } from '../../domain/provider-events.js';
import { InputError } from '../../errors.js';
import type { WebDeps } from '../deps.js';

type Form = Record<string, string>;

const HELP_TEXT: Record<string, (sender: WebDeps['config']['sender']) => string> = {
  en: (s) => `${s.name}: we're here to help. Call ${s.phone} or visit ${s.helpUrl}. Reply STOP to opt out.`,
  es: (s) => `${s.name}: estamos aquí para ayudarle. Llame al ${s.phone} o visite ${s.helpUrl}. Responda STOP para darse de baja.`,
};

function formOf(req: Request): Form {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function twilioWebhooks(deps: Pick<WebDeps, 'config' | 'pool' | 'clock' | 'logger'>): Router {
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
    const found = deliveryId === null ? null : await findDeliveryRef(deps.pool, deliveryId);
    // The callback must be about this delivery's message: a delivery already tied to another
    // message id is not moved by it.
    const delivery = found && found.channel === 'sms' && (found.providerMessageId === null || found.providerMessageId === sid) ? found : null;
    const errorCode = params.ErrorCode ?? null;
    const applied = await withTransaction(deps.pool, (client) =>
      applyDeliveryEvent(
        client,
        { provider: 'twilio', eventKey: `${sid}:${status}`, eventType: status, deliveryId: delivery?.deliveryId ?? null, payload: params, providerMessageId: sid },
        delivery,
        twilioStatusEffect(status, errorCode),
        deps.clock.now(),
      ),
    );
    if (applied && delivery) await refreshInterventionDeliveryStatus(deps.pool, delivery.interventionId, deps.clock.now());
    deps.logger.info({ delivery_id: delivery?.deliveryId ?? null, status, applied, matched: delivery !== null }, 'twilio status');
    res.status(delivery ? 204 : 202).end();
  });

  router.post('/webhooks/twilio/inbound', form, async (req, res) => {
    const params = verified(req);
    const sid = params.MessageSid ?? params.SmsSid;
    const from = params.From;
    if (!sid || !from) throw new InputError('MessageSid and From are required');
    const body = params.Body ?? '';
    const keyword = inboundKeyword(body);
    const customer = await findCustomerByPhone(deps.pool, from);
    const at = deps.clock.now();
    const twiml = new twilio.twiml.MessagingResponse();

    await withTransaction(deps.pool, async (client) => {
      const first = await storeEvent(client, { provider: 'twilio', eventKey: `inbound:${sid}`, eventType: `inbound_${keyword}`, deliveryId: null, payload: params, customerId: customer?.customerId ?? null }, at);
      if (!first || !customer) return; // a retry of a message already handled, or a number we do not know
      const interventionId = await findLatestContactedIntervention(client, customer.customerId);
      if (keyword === 'stop') {
        await addSuppression(client, customer.customerId, 'sms', 'stop', 'sms', at);
        if (interventionId) await recordResponse(client, interventionId, 'opted_out', 'sms', body.slice(0, 500), at);
      } else if (keyword === 'start') {
        await liftSuppression(client, customer.customerId, 'sms');
      } else if (keyword === 'other' && interventionId) {
        await recordResponse(client, interventionId, 'engaged', 'sms', body.slice(0, 2_000), at);
        // A person reads every reply: a follow-up task for the agents, due within a working day.
        await client.query(
          `insert into agent_tasks (intervention_id, customer_id, kind, reason, due_at, script)
           values ($1, $2, 'follow_up', $3, $4, $5)`,
          [interventionId, customer.customerId, storableText(`customer replied by SMS: ${body.slice(0, 500)}`), new Date(at.getTime() + 24 * 3_600_000), jsonb({ reply: body.slice(0, 2_000) })],
        );
      }
    });
    // Twilio itself confirms STOP and START to the customer; HELP gets our own answer.
    if (keyword === 'help') {
      const language = customer?.locale.split('-')[0] ?? 'en';
      twiml.message((HELP_TEXT[language] ?? HELP_TEXT.en!)(deps.config.sender));
    }
    res.type('text/xml').send(twiml.toString());
  });
  return router;
}
