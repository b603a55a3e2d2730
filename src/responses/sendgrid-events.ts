// SendGrid's event webhook, once its signature is verified: each event is checked alone, stored
// once (its sg_event_id) and applied to the email delivery it names (custom_args.delivery_id): a
// status that only moves forward, a suppression of the event's address for bounces, spam
// reports and unsubscribes, a response. A batch is applied in a few set-based statements; an
// event that cannot be applied (a field PostgreSQL cannot store, a value SendGrid never sends,
// a row the database refuses) is recorded as rejected with why, and costs only itself.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { addressHash } from '../domain/address-hash.js';
import { invalidCodePoint, invalidJson, type JsonLimits } from '../domain/outside-text.js';
import { refreshInterventionDeliveryStatuses } from '../db/deliveries.js';
import { applyDeliveryEvents, findDeliveryRefs, type EventToApply } from '../db/events.js';
import { withoutParallelWorkers, withTransaction, type Pool } from '../db/pool.js';
import { recordRejectedEvents, type RejectedEvent } from '../db/rejected-events.js';
import { isRefused, writeIsolatingRefused } from '../db/refused-rows.js';
import { sendGridEventEffect } from '../domain/provider-events.js';
import { missingFieldIsRequired } from '../errors.js';

const eventSchema = z
  .object({
    event: z.string().min(1),
    sg_event_id: z.string().optional(),
    sg_message_id: z.string().optional(),
    email: z.string().optional(),
    timestamp: z.number().optional(),
    type: z.string().optional(),
    reason: z.string().optional(),
    response: z.string().optional(),
    delivery_id: z.union([z.string(), z.number()]).optional(),
  })
  .passthrough();

export type IncomingSendGridEvent = z.infer<typeof eventSchema>;

/** An event is a flat object of a few hundred bytes; custom arguments make it a few kilobytes at most. */
const EVENT_LIMITS: JsonLimits = { maxDepth: 16, maxSize: 65_536 };

/** Fields that identify the event, its message or its address: with a bad code point the event is rejected, not guessed at. */
const IDENTIFYING = ['event', 'sg_event_id', 'sg_message_id', 'email', 'type', 'delivery_id'] as const;

/** One event as SendGrid sent it, checked: the event, or why it cannot be applied. */
export function checkSendGridEvent(value: unknown): { event: IncomingSendGridEvent } | { reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { reason: 'not a JSON object' };
  const shape = invalidJson(value, EVENT_LIMITS, { codePoints: false });
  if (shape) return { reason: `the event ${shape}` };
  const parsed = eventSchema.safeParse(value, missingFieldIsRequired);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { reason: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'not a SendGrid event'}` };
  }
  for (const field of IDENTIFYING) {
    const text = parsed.data[field];
    const bad = typeof text === 'string' ? invalidCodePoint(text) : null;
    if (bad) return { reason: `${field} ${bad}` };
  }
  return { event: parsed.data };
}

function deliveryIdOf(value: string | number | undefined): number | null {
  const text = value === undefined ? '' : String(value);
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

export interface SendGridBatchResult {
  /** events stored and applied now (not seen before) */
  applied: number;
  /** events about no email delivery of ours: stored, and any suppression applied */
  unmatched: number;
  /** events that could not be applied, by their index in the batch, and why */
  rejected: { index: number; reason: string }[];
}

/** Applies a batch of events; everything applicable is durable when this resolves. */
export async function recordSendGridEvents(pool: Pool, events: readonly unknown[], addressKey: string, at: Date): Promise<SendGridBatchResult> {
  const rejected: (RejectedEvent & { index: number })[] = [];
  const valid: { index: number; event: IncomingSendGridEvent }[] = [];
  events.forEach((value, index) => {
    const checked = checkSendGridEvent(value);
    // The rejected event is kept as it came, unless it is too deep or too large to store.
    if ('reason' in checked) rejected.push({ index, reason: checked.reason, payload: invalidJson(value, EVENT_LIMITS, { codePoints: false }) === null ? value : null });
    else valid.push({ index, event: checked.event });
  });

  const deliveryIds = valid.flatMap(({ event }) => deliveryIdOf(event.delivery_id) ?? []);
  const deliveries = await withoutParallelWorkers(pool, (client) => findDeliveryRefs(client, deliveryIds));
  let unmatched = 0;
  const toApply: (EventToApply & { index: number })[] = valid.map(({ index, event }) => {
    const found = deliveries.get(deliveryIdOf(event.delivery_id) ?? 0);
    const delivery = found !== undefined && found.channel === 'email' ? found : null;
    if (!delivery) unmatched += 1;
    // sg_event_id is SendGrid's unique id for an event; without one, the event's own content is.
    const eventKey = event.sg_event_id ?? createHash('sha256').update(JSON.stringify(event)).digest('base64url');
    return {
      index,
      event: { provider: 'sendgrid', eventKey, eventType: event.event, deliveryId: delivery?.deliveryId ?? null, payload: event },
      delivery,
      effect: sendGridEventEffect(event),
      // The address SendGrid sent to is the one that bounced or opted out; the customer's address
      // now stands in when the event does not name one.
      addressHash: addressHash(addressKey, 'email', event.email ?? delivery?.customer.email ?? null),
    };
  });

  const outcomes = await writeIsolatingRefused(toApply, (batch) => withTransaction(pool, (client) => applyDeliveryEvents(client, batch, at)));
  let applied = 0;
  const touched: number[] = [];
  outcomes.forEach((outcome, i) => {
    const item = toApply[i]!;
    if (isRefused(outcome)) {
      rejected.push({ index: item.index, reason: `could not be stored: ${outcome.refused}`, payload: item.event.payload });
    } else if (outcome.stored) {
      applied += 1;
      if (item.delivery && outcome.statusMoved) touched.push(item.delivery.interventionId);
    }
  });
  rejected.sort((a, b) => a.index - b.index);
  await recordRejectedEvents(pool, 'sendgrid', rejected, at);
  await refreshInterventionDeliveryStatuses(pool, touched, at);
  return { applied, unmatched, rejected: rejected.map(({ index, reason }) => ({ index, reason })) };
}
