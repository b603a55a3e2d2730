// The preference centre behind every email's unsubscribe link, in the customer's language (the
// one they chose, else the lender's): each channel on or off, the language, and a one-click
// unsubscribe from email. GET only shows (a mail scanner following links changes nothing). POST
// changes: the channels form, the language form, or anything else — the mail client's RFC 8058
// List-Unsubscribe-Post (`List-Unsubscribe=One-Click`, urlencoded or multipart) or the page's
// button — unsubscribes from email at once. The token is signed: nobody can change someone
// else's choices. A form sent twice changes nothing the second time.
import express, { Router, type Request, type Response } from 'express';
import { changePreferences, loadPreferences, unsubscribeFromEmail, type CustomerPreferences } from '../../db/preferences.js';
import { channelStates, PREFERENCE_CHANNELS, type PreferenceChannel, type PreferenceRequest } from '../../domain/preferences.js';
import { verifyUnsubscribeToken } from '../../domain/unsubscribe-token.js';
import { languageName } from '../../messages/format.js';
import { availableLocales, pageLocale, renderPage } from '../../messages/render.js';
import type { WebDeps } from '../deps.js';
import { pageLanguage } from './public-pages.js';

type Notice = 'none' | 'saved' | 'unchanged' | 'unsubscribed' | 'alreadyUnsubscribed';
type Deps = Pick<WebDeps, 'pool' | 'clock' | 'config' | 'logger' | 'addressKey'> & { signingSecret: string };

/** The form's fields: a value, or several for a repeated name (offered). */
type Form = Record<string, string | string[] | undefined>;

function formOf(body: unknown): Form {
  return typeof body === 'object' && body !== null ? (body as Form) : {};
}

const valuesOf = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const isPreferenceChannel = (value: string): value is PreferenceChannel => (PREFERENCE_CHANNELS as readonly string[]).includes(value);

/** The channels form asks about the channels it offered (those the customer can change here): checked is on. */
export function channelsRequest(form: Form): PreferenceRequest {
  const offered = valuesOf(form.offered).filter(isPreferenceChannel);
  return { channels: Object.fromEntries(offered.map((channel) => [channel, form[channel] === 'on'])) };
}

function pageData(preferences: CustomerPreferences | null, notice: Notice, locale: string): Record<string, unknown> {
  const channels = preferences?.channels ?? channelStates([], false);
  const view = (channel: PreferenceChannel) => {
    const state = channels[channel];
    return { on: state.choice === 'on', offered: state.optOut === null && !state.noConsent, noConsent: state.noConsent };
  };
  return {
    known: preferences !== null,
    notice: { none: notice === 'none', saved: notice === 'saved', unchanged: notice === 'unchanged', unsubscribed: notice === 'unsubscribed', alreadyUnsubscribed: notice === 'alreadyUnsubscribed' },
    emailContacted: channels.email.contacted,
    email: view('email'),
    sms: view('sms'),
    app: view('app_notification'),
    otherLanguages: availableLocales()
      .filter((code) => code !== locale)
      .map((code) => ({ code, name: languageName(code) })),
  };
}

export function unsubscribeRoutes(deps: Deps): Router {
  const router = Router();
  const customerOf = (token: string | undefined) => (token && token.length < 512 ? verifyUnsubscribeToken(token, deps.signingSecret) : null);

  const invalidLink = (req: Request, res: Response) => {
    const locale = pageLanguage(req);
    res.status(404).set('Content-Language', locale).type('html').send(renderPage('invalid-link', locale, deps.config.sender));
  };

  const showChoices = async (req: Request, res: Response, customerId: string, notice: Notice, status = 200) => {
    const preferences = await loadPreferences(deps.pool, customerId, deps.addressKey);
    const locale = preferences ? pageLocale(preferences.locale) : pageLanguage(req);
    res.status(status).set('Content-Language', locale).set('Cache-Control', 'no-store').type('html').send(renderPage('preferences', locale, deps.config.sender, pageData(preferences, notice, locale)));
  };

  router.get('/unsubscribe/:token', async (req, res) => {
    const customerId = customerOf(req.params.token);
    if (!customerId) return invalidLink(req, res);
    await showChoices(req, res, customerId, 'none');
  });

  router.post('/unsubscribe/:token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const customerId = customerOf(req.params.token);
    if (!customerId) return invalidLink(req, res);
    const form = formOf(req.body);
    const at = deps.clock.now();
    const who = { source: 'preference_centre', actor: 'customer' } as const;
    if (form.action === 'channels' || form.action === 'language') {
      const locale = typeof form.locale === 'string' ? availableLocales().find((code) => code === form.locale) : undefined;
      if (form.action === 'language' && !locale) return showChoices(req, res, customerId, 'unchanged', 400);
      const request = form.action === 'channels' ? channelsRequest(form) : { channels: {}, locale };
      const result = await changePreferences(deps.pool, customerId, deps.addressKey, request, who, at);
      const changed = result !== null && Object.keys(result.changes).length > 0;
      if (changed) deps.logger.info({ customer_id: customerId, changed: Object.keys(result.changes) }, 'customer changed their choices');
      return showChoices(req, res, customerId, changed ? 'saved' : 'unchanged');
    }
    const unsubscribed = await unsubscribeFromEmail(deps.pool, customerId, deps.addressKey, at);
    if (unsubscribed) deps.logger.info({ customer_id: customerId }, 'unsubscribed from email');
    await showChoices(req, res, customerId, unsubscribed ? 'unsubscribed' : 'alreadyUnsubscribed');
  });
  return router;
}
