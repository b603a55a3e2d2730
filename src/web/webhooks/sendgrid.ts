// POST /webhooks/sendgrid: SendGrid's signed event webhook. The ECDSA signature is checked over
// the raw body and timestamp (@sendgrid/eventwebhook); stale timestamps are refused, so a
// captured request cannot be replayed later; each event is applied once (its sg_event_id), and
// one that cannot be applied is answered and kept as rejected, never failing the batch.
import express, { Router } from 'express';
import { EventWebhook, EventWebhookHeader } from '@sendgrid/eventwebhook';
import { InputError } from '../../errors.js';
import { recordSendGridEvents } from '../../responses/sendgrid-events.js';
import type { WebDeps } from '../deps.js';

/** How far a signed timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** SendGrid posts at most a few thousand events at once; beyond this the batch is refused whole. */
const MAX_EVENTS = 10_000;

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
    if (!Array.isArray(json)) throw new InputError('expected a JSON array of SendGrid events');
    if (json.length > MAX_EVENTS) throw new InputError(`at most ${MAX_EVENTS} events per request (got ${json.length})`, 413);

    const { applied, unmatched, rejected } = await recordSendGridEvents(deps.pool, json, deps.addressKey, deps.clock.now());
    deps.logger.info({ events: json.length, applied, unmatched, rejected: rejected.length }, 'sendgrid events');
    if (rejected.length > 0) deps.logger.warn({ rejected: rejected.slice(0, 10) }, 'sendgrid events rejected');
    // 2xx even for events we cannot match or apply (they are kept, with why): SendGrid would
    // otherwise re-send the whole batch for days, and it would never fully apply.
    res.status(202).json({ received: json.length, applied, unmatched, rejected });
  });
  return router;
}
