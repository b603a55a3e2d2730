// A customer's choices for agents: GET (admin and viewer) shows each channel's state and the
// language; PUT (admin) changes them as the customer could on the preference centre, recorded in
// the customer's timeline and, in the same transaction, in the audit log.
import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../db/audit.js';
import { changePreferences, loadPreferences, type CustomerPreferences } from '../../db/preferences.js';
import { PREFERENCE_CHANNELS } from '../../domain/preferences.js';
import { InputError } from '../../errors.js';
import { availableLocales } from '../../messages/render.js';
import { auditEntry } from '../audit.js';
import { roleOfResponse } from '../auth.js';
import type { WebDeps } from '../deps.js';
import { customerIdParam } from '../params.js';
import { parseBody } from '../validate.js';

const onOff = z.boolean({ message: 'must be true (on) or false (off)' }).optional();
const putBody = z
  .object({
    channels: z.strictObject({ email: onOff, sms: onOff, app_notification: onOff } satisfies Record<(typeof PREFERENCE_CHANNELS)[number], typeof onOff>).optional(),
    locale: z
      .string()
      .nullable()
      .refine((locale) => locale === null || availableLocales().includes(locale), { message: `must be one of ${availableLocales().join(', ')}, or null to follow the lender's` })
      .optional(),
  })
  .strict();

/** The choices as the API shows them. */
function preferencesView(preferences: CustomerPreferences) {
  return {
    customer_id: preferences.customerId,
    locale: preferences.locale,
    chosen_locale: preferences.chosenLocale,
    lender_locale: preferences.lenderLocale,
    sms_consent: preferences.smsConsent,
    channels: Object.fromEntries(
      PREFERENCE_CHANNELS.map((channel) => {
        const state = preferences.channels[channel];
        return [channel, { choice: state.choice, contacted: state.contacted, opt_out: state.optOut && { reason: state.optOut.reason, source: state.optOut.source, since: state.optOut.since, keyed_by: state.optOut.keyedBy } }];
      }),
    ),
  };
}

export function preferenceRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/customers/:id/preferences', async (req, res) => {
    const preferences = await loadPreferences(deps.pool, customerIdParam(req.params.id), deps.addressKey);
    if (!preferences) throw new InputError('customer not found', 404);
    res.json(preferencesView(preferences));
  });
  router.put('/customers/:id/preferences', async (req, res) => {
    const customerId = customerIdParam(req.params.id);
    const body = parseBody(putBody, req.body);
    const at = deps.clock.now();
    const request = { channels: body.channels ?? {}, ...(body.locale !== undefined ? { locale: body.locale } : {}) };
    const result = await changePreferences(deps.pool, customerId, deps.addressKey, request, { source: 'api', actor: roleOfResponse(res) }, at, (client, changes) =>
      recordAudit(client, auditEntry(res, at, 'preferences.put', customerId, { changes })),
    );
    if (!result) throw new InputError('customer not found', 404);
    res.json({ ...preferencesView(result.preferences), changed: result.changes });
  });
  return router;
}
