// A customer's SMS reply, once Twilio's signature is verified: STOP suppresses SMS and records
// opted_out; START lifts it; HELP is answered with how to reach a person; any other reply is
// recorded as engaged and opens a follow-up task for an agent. Each message is handled once.
import { insertFollowUpTask } from '../db/agent-tasks.js';
import { storeEvent } from '../db/events.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { findCustomerByPhone, findLatestContactedIntervention, recordResponse } from '../db/responses.js';
import { addSuppression, liftSuppression } from '../db/suppressions.js';
import { inboundKeyword, type InboundKeyword } from '../domain/provider-events.js';

export interface InboundSms {
  messageSid: string;
  from: string;
  body: string;
  /** the form as Twilio sent it, kept with the event */
  params: Record<string, string>;
}

/** A follow-up of a reply is due within a working day. */
const FOLLOW_UP_WITHIN_MS = 24 * 3_600_000;

const HELP_TEXT: Record<string, (sender: HelpSender) => string> = {
  en: (s) => `${s.name}: we're here to help. Call ${s.phone} or visit ${s.helpUrl}. Reply STOP to opt out.`,
  es: (s) => `${s.name}: estamos aquí para ayudarle. Llame al ${s.phone} o visite ${s.helpUrl}. Responda STOP para darse de baja.`,
};

export interface HelpSender {
  name: string;
  phone: string;
  helpUrl: string;
}

/**
 * Handles the reply; returns the text to answer with (HELP), or null. Twilio itself confirms
 * STOP and START to the customer.
 */
export async function handleInboundSms(pool: Pool, sms: InboundSms, sender: HelpSender, at: Date): Promise<{ keyword: InboundKeyword; reply: string | null }> {
  const keyword = inboundKeyword(sms.body);
  const customer = await findCustomerByPhone(pool, sms.from);
  await withTransaction(pool, async (client) => {
    const first = await storeEvent(
      client,
      { provider: 'twilio', eventKey: `inbound:${sms.messageSid}`, eventType: `inbound_${keyword}`, deliveryId: null, payload: sms.params, customerId: customer?.customerId ?? null },
      at,
    );
    if (!first || !customer) return; // a retry of a message already handled, or a number we do not know
    const interventionId = await findLatestContactedIntervention(client, customer.customerId);
    if (keyword === 'stop') {
      await addSuppression(client, customer.customerId, 'sms', 'stop', 'sms', at);
      if (interventionId) await recordResponse(client, interventionId, 'opted_out', 'sms', sms.body.slice(0, 500), at);
    } else if (keyword === 'start') {
      await liftSuppression(client, customer.customerId, 'sms');
    } else if (keyword === 'other' && interventionId) {
      await recordResponse(client, interventionId, 'engaged', 'sms', sms.body.slice(0, 2_000), at);
      await insertFollowUpTask(client, {
        interventionId,
        customerId: customer.customerId,
        reason: `customer replied by SMS: ${sms.body.slice(0, 500)}`,
        dueAt: new Date(at.getTime() + FOLLOW_UP_WITHIN_MS),
        details: { reply: sms.body.slice(0, 2_000) },
      });
    }
  });
  if (keyword !== 'help') return { keyword, reply: null };
  const language = customer?.locale.split('-')[0] ?? 'en';
  return { keyword, reply: (HELP_TEXT[language] ?? HELP_TEXT.en!)(sender) };
}
