// DELETE /customers/:id/personal-data (admin): erases the customer's personal data wherever the
// engine stored it (src/db/erasure.ts), in one transaction with its audit entry, and answers with
// how many rows of each table were rewritten.
import { Router } from 'express';
import { recordAudit } from '../../db/audit.js';
import { erasePersonalData } from '../../db/erasure.js';
import { lockCustomers } from '../../db/evaluation-state.js';
import { withTransaction } from '../../db/pool.js';
import { InputError } from '../../errors.js';
import { auditEntry } from '../audit.js';
import type { WebDeps } from '../deps.js';
import { customerIdParam } from '../params.js';

/** What erasure leaves in place, and why, as the answer states it. */
const KEPT = {
  decisions: 'scores, decisions and their reasons: the record of how the lender treated the customer',
  outcomes: "interventions' types, statuses and responses, and payments: what the metrics measure",
  suppressions: 'opt-outs, kept as keyed hashes of the addresses so that they hold if an address comes back',
};

export function personalDataRoutes(deps: WebDeps): Router {
  const router = Router();
  router.delete('/customers/:id/personal-data', async (req, res) => {
    const customerId = customerIdParam(req.params.id);
    const at = deps.clock.now();
    const result = await withTransaction(deps.pool, async (client) => {
      // The lock evaluation takes: no message is rendered from the old name while this runs.
      await lockCustomers(client, [customerId]);
      const erased = await erasePersonalData(client, customerId, deps.addressKey, at);
      if (!erased) return null;
      await recordAudit(client, auditEntry(res, at, 'customer.erase', customerId, { erased: erased.erased, suppressions_keyed_by_address: erased.suppressionsKeyedByAddress }));
      return erased;
    });
    if (!result) throw new InputError(`no customer ${customerId}: neither the customers table nor the engine's records know it`, 404);
    deps.logger.info({ customer_id: customerId, erased: result.erased }, 'personal data erased');
    res.json({ customer_id: customerId, erased_at: at, erased: result.erased, suppressions_keyed_by_address: result.suppressionsKeyedByAddress, kept: KEPT });
  });
  return router;
}
