// A customer's timeline: GET /customers/:id/timeline (admin and viewer) for the API, and the
// dashboard's page that searches a customer and shows it (GET /dashboard/customer?id=…), which
// reads the same timeline under /dashboard, where the browser already sends its login.
import { Router } from 'express';
import { findCustomerAddresses } from '../../db/customers.js';
import { formatCursor, loadTimeline, parseCursor } from '../../db/timeline.js';
import { addressHash } from '../../domain/address-hash.js';
import { InputError } from '../../errors.js';
import type { WebDeps } from '../deps.js';
import { customerIdParam, intQuery } from '../params.js';


async function customerTimeline(deps: WebDeps, customerId: string, query: { before?: unknown; limit?: unknown }) {
  const before = query.before === undefined ? null : typeof query.before === 'string' ? parseCursor(query.before) : null;
  if (query.before !== undefined && !before) throw new InputError("before must be the next_before of a previous page, such as '2026-11-25T14:00:00.000000Z~2~41'");
  const limit = intQuery(query.limit, 'limit', { min: 1, max: 500, fallback: 100 });
  const addresses = await findCustomerAddresses(deps.pool, customerId);
  // The opt-outs of the addresses the customer has now hold for them too.
  const hashes = [addressHash(deps.addressKey, 'email', addresses?.email ?? null), addressHash(deps.addressKey, 'phone', addresses?.phone ?? null)].filter((hash) => hash !== null);
  const page = await loadTimeline(deps.pool, customerId, hashes, { before, limit });
  if (!addresses && !before && page.entries.length === 0) throw new InputError(`no customer ${customerId}: neither the customers table nor the engine's records know it`, 404);
  return { customer_id: customerId, known: addresses !== null, entries: page.entries, next_before: page.next && formatCursor(page.next) };
}

export function timelineRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/customers/:id/timeline', async (req, res) => {
    res.json(await customerTimeline(deps, customerIdParam(req.params.id), req.query));
  });
  return router;
}

/** The timeline for the dashboard's customer page (behind the browser's login, as the rest of the dashboard). */
export function timelinePageRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/dashboard/customer/timeline', async (req, res) => {
    res.json(await customerTimeline(deps, customerIdParam(typeof req.query.id === 'string' ? req.query.id : undefined), req.query));
  });
  return router;
}
