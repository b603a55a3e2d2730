// One-click unsubscribe (RFC 8058): the email's link shows a small confirmation page (GET, so
// that a mail scanner following links unsubscribes nobody); POST — the button, or the mail
// client's List-Unsubscribe-Post — unsubscribes. The token is signed: nobody can unsubscribe
// someone else. It suppresses email to the customer's address (for whoever has it, now or later)
// and to the customer (at any address they give later); the response is recorded once.
import express, { Router, type Response } from 'express';
import { findCustomerAddresses } from '../../db/customers.js';
import { withTransaction } from '../../db/pool.js';
import { findLatestContactedIntervention, recordResponse } from '../../db/responses.js';
import { suppressAddress, suppressCustomer } from '../../db/suppressions.js';
import { addressHash } from '../../domain/address-hash.js';
import { verifyUnsubscribeToken } from '../../domain/unsubscribe-token.js';
import type { WebDeps } from '../deps.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title></head>` +
        `<body style="font-family:Arial,sans-serif;max-width:480px;margin:48px auto;padding:0 16px;color:#1f2933"><h1 style="font-size:22px">${escape(title)}</h1>${body}</body></html>`,
    );
}

export function unsubscribeRoutes(deps: Pick<WebDeps, 'pool' | 'clock' | 'config' | 'logger' | 'addressKey'> & { signingSecret: string }): Router {
  const router = Router();
  const customerOf = (token: string | undefined) => (token && token.length < 512 ? verifyUnsubscribeToken(token, deps.signingSecret) : null);

  router.get('/unsubscribe/:token', (req, res) => {
    if (!customerOf(req.params.token)) {
      page(res, 404, 'This link is not valid', `<p>It may have been copied incompletely. To stop our emails, call ${escape(deps.config.sender.phone)}.</p>`);
      return;
    }
    page(
      res,
      200,
      'Unsubscribe from our emails?',
      `<p>You will stop receiving emails like this one from ${escape(deps.config.sender.name)}.</p>` +
        `<form method="post"><button type="submit" style="font-size:16px;padding:10px 18px">Unsubscribe</button></form>`,
    );
  });

  router.post('/unsubscribe/:token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const customerId = customerOf(req.params.token);
    if (!customerId) {
      page(res, 404, 'This link is not valid', '<p>Nothing was changed.</p>');
      return;
    }
    const at = deps.clock.now();
    await withTransaction(deps.pool, async (client) => {
      const optOut = { channel: 'email', reason: 'unsubscribe', source: 'link' } as const;
      const address = addressHash(deps.addressKey, 'email', (await findCustomerAddresses(client, customerId))?.email ?? null);
      const newForAddress = address !== null && (await suppressAddress(client, address, optOut, at));
      const newForCustomer = await suppressCustomer(client, customerId, optOut, at);
      if (!newForAddress && !newForCustomer) return; // clicked again: nothing new to record
      const interventionId = await findLatestContactedIntervention(client, customerId);
      if (interventionId) await recordResponse(client, interventionId, 'opted_out', 'unsubscribe_link', null, at);
    });
    deps.logger.info({ customer_id: customerId }, 'unsubscribed from email');
    page(res, 200, 'You are unsubscribed', `<p>You will not receive these emails any more. If that was a mistake, call ${escape(deps.config.sender.phone)}.</p>`);
  });
  return router;
}
