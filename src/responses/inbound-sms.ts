// A customer's SMS reply, once Twilio's signature is verified: STOP suppresses SMS to the number
// that sent it, for every customer who has it (a joint account shares one) and for any customer
// given it later, and records opted_out; START lifts it; HELP is answered with how to reach a
// person; any other reply is recorded as engaged and opens a follow-up task for an agent. Each
// message is handled once. A message whose sender or id cannot be stored is kept as rejected.
import { insertFollowUpTask } from '../db/agent-tasks.js';
import { storeEvent } from '../db/events.js';
import { isRefusedValue, withTransaction, type Pool } from '../db/pool.js';
import { recordRejectedEvents } from '../db/rejected-events.js';
import { invalidCodePoint, replaceInvalidCodePoints } from '../domain/outside-text.js';
import { errorMessage } from '../errors.js';
import { findCustomersByPhone, findLatestContactedInterventions, recordResponse } from '../db/responses.js';
import { liftAddressSuppression, suppressAddress, suppressCustomer } from '../db/suppressions.js';
import { addressHash } from '../domain/address-hash.js';
import { inboundKeyword, type InboundKeyword } from '../domain/sms-keywords.js';

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
 * STOP and START to the customer. A reply other than a keyword belongs to the latest
 * intervention sent to a customer on the number.
 */
export async function handleInboundSms(pool: Pool, sms: InboundSms, sender: HelpSender, addressKey: string, at: Date): Promise<{ keyword: InboundKeyword; reply: string | null; rejected: string | null }> {
  // The sender and the message's id must be what they say; a bad code point in the text is replaced.
  const invalid = (['MessageSid', 'From'] as const).map((field) => {
    const bad = invalidCodePoint(field === 'From' ? sms.from : sms.messageSid);
    return bad ? `${field} ${bad}` : null;
  }).find((reason) => reason !== null);
  if (invalid) {
    await recordRejectedEvents(pool, 'twilio', [{ reason: invalid, payload: sms.params }], at);
    return { keyword: 'other', reply: null, rejected: invalid };
  }
  try {
    return { ...(await applyInboundSms(pool, { ...sms, body: replaceInvalidCodePoints(sms.body) }, sender, addressKey, at)), rejected: null };
  } catch (error) {
    if (!isRefusedValue(error)) throw error;
    const reason = `could not be stored: ${errorMessage(error)}`;
    await recordRejectedEvents(pool, 'twilio', [{ reason, payload: sms.params }], at);
    return { keyword: 'other', reply: null, rejected: reason };
  }
}

async function applyInboundSms(pool: Pool, sms: InboundSms, sender: HelpSender, addressKey: string, at: Date): Promise<{ keyword: InboundKeyword; reply: string | null }> {
  const keyword = inboundKeyword(sms.body);
  const customers = await findCustomersByPhone(pool, sms.from);
  const customerIds = customers.map((c) => c.customerId);
  const number = addressHash(addressKey, 'phone', sms.from);
  const latest = await findLatestContactedInterventions(pool, customerIds);
  const replier = customers.find((c) => c.customerId === latest[0]?.customerId) ?? customers[0];
  await withTransaction(pool, async (client) => {
    const first = await storeEvent(
      client,
      { provider: 'twilio', eventKey: `inbound:${sms.messageSid}`, eventType: `inbound_${keyword}`, deliveryId: null, payload: sms.params, customerId: replier?.customerId ?? null },
      at,
    );
    if (!first) return; // a retry of a message already handled
    if (keyword === 'stop') {
      const optOut = { channel: 'sms', reason: 'stop', source: 'sms' } as const;
      if (number) await suppressAddress(client, number, optOut, at);
      else for (const customerId of customerIds) await suppressCustomer(client, customerId, optOut, at);
      for (const { interventionId } of latest) await recordResponse(client, interventionId, 'opted_out', 'sms', sms.body.slice(0, 500), at);
    } else if (keyword === 'start') {
      if (number) await liftAddressSuppression(client, number, customerIds, 'sms', 'stop');
    } else if (keyword === 'other' && latest[0]) {
      const { customerId, interventionId } = latest[0];
      await recordResponse(client, interventionId, 'engaged', 'sms', sms.body.slice(0, 2_000), at);
      await insertFollowUpTask(client, {
        interventionId,
        customerId,
        reason: `customer replied by SMS: ${sms.body.slice(0, 500)}`,
        dueAt: new Date(at.getTime() + FOLLOW_UP_WITHIN_MS),
        details: { reply: sms.body.slice(0, 2_000) },
      });
    }
  });
  if (keyword !== 'help') return { keyword, reply: null };
  const language = replier?.locale.split('-')[0] ?? 'en';
  return { keyword, reply: (HELP_TEXT[language] ?? HELP_TEXT.en!)(sender) };
}
