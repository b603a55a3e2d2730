// Bull Board at /admin/queues, read-only (no retry, clean, pause or delete) for the viewer role.
// Its page asks Google Fonts for IBM Plex, which a machine without internet cannot reach (a
// console error, and a request leaving the machine): the page is rewritten to load the same
// fonts from our own node_modules (@fontsource), under /admin/queues/fonts/.
import { createRequire } from 'node:module';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { Router, type Application } from 'express';
import type { WebDeps } from '../deps.js';

const BASE = '/admin/queues';
const require = createRequire(import.meta.url);
const FONTS = {
  'ibm-plex-sans': { dir: path.dirname(require.resolve('@fontsource/ibm-plex-sans/package.json')), weights: [400, 500, 600] },
  'ibm-plex-mono': { dir: path.dirname(require.resolve('@fontsource/ibm-plex-mono/package.json')), weights: [400, 500] },
};
const GOOGLE_FONTS_LINK = /<link href="https:\/\/fonts\.googleapis\.com\/[^"]*" rel="stylesheet">/;
const LOCAL_FONTS_LINKS = Object.entries(FONTS)
  .flatMap(([family, { weights }]) => weights.map((weight) => `<link href="${BASE}/fonts/${family}/${weight}.css" rel="stylesheet">`))
  .join('');

/** Bull Board's page with its fonts from this server; anything else on it is left as it is. */
export function withLocalFonts(html: string): string {
  return html.replace(GOOGLE_FONTS_LINK, LOCAL_FONTS_LINKS);
}

type RenderEngine = (file: string, options: object, callback: (error: Error | null, html?: string) => void) => void;

export function bullBoard(deps: Pick<WebDeps, 'queues'>, options: { readOnly: boolean }): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE);
  createBullBoard({ queues: deps.queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly })), serverAdapter });
  // The board renders its one page with the ejs engine it registered; wrap that engine.
  const board = serverAdapter.getRouter() as Application & { engines: Record<string, RenderEngine> };
  // The board is an express application of its own, with express's default X-Powered-By.
  board.disable('x-powered-by');
  const render = board.engines['.ejs'];
  if (!render) throw new Error('Bull Board no longer renders its page with ejs: revisit withLocalFonts');
  board.engine('ejs', (file, locals, callback) => render(file, locals, (error, html) => callback(error, html === undefined ? html : withLocalFonts(html))));

  const router = Router();
  for (const [family, { dir }] of Object.entries(FONTS)) router.use(`/fonts/${family}`, express.static(dir, { index: false, immutable: true, maxAge: '30d' }));
  router.use(board);
  return router;
}
