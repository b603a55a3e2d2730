// POST /webhooks/sendgrid: SendGrid's signed event webhook. The ECDSA signature is checked over
// the raw body and timestamp (@sendgrid/eventwebhook); stale timestamps are refused, so a
// captured request cannot be replayed later; each event is applied once (its sg_event_id).
import express, { Router } from 'express';
import { EventWebhook, EventWebhookHeader } from '@sendgrid/eventwebhook';
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { recordSendGridEvents } from '../../responses/sendgrid-events.js';
import type { WebDeps } from '../deps.js';

/** How far a signed timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

const eventSchema = z
  .object({
    event: z.string().min(1),
    sg_event_id: z.string().optional(),
    sg_message_id: z.string().optional(),
    email: z.string().optional(),
    timestamp: z.number().optional(),
    type: z.string().optional(),
    reason: z.string().optional(),
    delivery_id: z.union([z.string(), z.number()]).optional(),
  })
  .passthrough();
const bodySchema = z.array(eventSchema).max(10_000);

export function sendGridWebhook(deps: Pick<WebDeps, 'config' | 'pool' | 'clock' | 'logger' | 'addressKey'>): Router {
  const router = Router();
  const publicKey = deps.config.sendgrid.webhookPublicKey;
  const verifier = new EventWebhook();
  const ecKey = publicKey ? verifier.convertPublicKeyToECDSA(publicKey) : null;

  router.post('/webhooks/sendgrid', express.raw({ type: () => true, limit: '5mb' }), async (req, res) => {
    if (!ecKey) throw new InputError('the SendGrid event webhook is not configured (set SENDGRID_WEBHOOK_PUBLIC_KEY)', 403);
    const signature = req.get(EventWebhookHeader.SIGNATURE());
    const timestamp = req.get(EventWebhookHeader.TIMESTAMP());
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (!signature || !timestamp) throw new InputError('missing SendGrid signature headers', 401);
    let valid = false;
    try {
      valid = verifier.verifySignature(ecKey, raw, signature, timestamp);
    } catch {
      valid = false;
    }
    if (!valid) throw new InputError('invalid SendGrid signature', 401);
    const signedAt = Number(timestamp) * 1000;
    if (!Number.isFinite(signedAt) || Math.abs(deps.clock.now().getTime() - signedAt) > SIGNATURE_TOLERANCE_MS) {
      throw new InputError('stale SendGrid signature timestamp', 401);
    }

    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new InputError('body is not valid JSON');
    }
    const parsed = bodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`expected a JSON array of SendGrid events${issue?.path.length ? ` (${issue.path.join('.')}: ${issue.message})` : ''}`);
    }

    const { applied, unmatched } = await recordSendGridEvents(deps.pool, parsed.data, deps.addressKey, deps.clock.now());
    deps.logger.info({ events: parsed.data.length, applied, unmatched }, 'sendgrid events');
    // 2xx even for events we cannot match: SendGrid would otherwise retry them for days.
    res.status(202).json({ received: parsed.data.length, applied, unmatched });
  });
  return router;
}
