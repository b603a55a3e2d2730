// The pages a customer may open without logging in: the help page the messages link to, in
// English or Spanish (?lang=, else the browser's Accept-Language), and the site's icon.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request } from 'express';
import { availableLocales, DEFAULT_LOCALE, renderPage } from '../../messages/render.js';
import type { WebDeps } from '../deps.js';

const FAVICON = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'favicon.svg');

/** The page language: ?lang= when we have it, else the best of the browser's languages, else English. */
export function pageLanguage(req: Request): string {
  const locales = availableLocales();
  const asked = typeof req.query.lang === 'string' ? req.query.lang.toLowerCase() : null;
  const chosen = asked ? locales.find((locale) => locale.toLowerCase() === asked || locale.toLowerCase() === asked.split('-')[0]) : undefined;
  if (chosen) return chosen;
  const accepted = req.acceptsLanguages(...locales);
  return typeof accepted === 'string' ? accepted : DEFAULT_LOCALE;
}

export function publicPageRoutes(deps: Pick<WebDeps, 'config'>): Router {
  const router = Router();
  router.get('/help', (req, res) => {
    res.set('Content-Language', pageLanguage(req)).type('html').send(renderPage('help', pageLanguage(req), deps.config.sender));
  });
  router.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').sendFile(FAVICON);
  });
  return router;
}
