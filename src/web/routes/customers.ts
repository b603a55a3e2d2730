// The in-app inbox as the customer's app reads it; marking a notification read is audited.
import { Router } from 'express';
import { recordAudit } from '../../db/audit.js';
import { listNotifications, markNotificationRead } from '../../db/notifications.js';
import { withTransaction } from '../../db/pool.js';
import { InputError } from '../../errors.js';
import { auditEntry } from '../audit.js';
import type { WebDeps } from '../deps.js';
import { customerIdParam, idParam, intQuery } from '../params.js';

export function customerRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/customers/:id/notifications', async (req, res) => {
    const customerId = customerIdParam(req.params.id);
    const unread = req.query.unread;
    if (unread !== undefined && unread !== 'true' && unread !== 'false') throw new InputError('unread must be true or false');
    const notifications = await listNotifications(deps.pool, customerId, {
      unreadOnly: unread === 'true',
      limit: intQuery(req.query.limit, 'limit', { min: 1, max: 500, fallback: 50 }),
    });
    res.json({ customer_id: customerId, notifications });
  });
  router.post('/customers/:id/notifications/:notification_id/read', async (req, res) => {
    const customerId = customerIdParam(req.params.id);
    const notificationId = idParam(req.params.notification_id, 'notification id');
    const at = deps.clock.now();
    const marked = await withTransaction(deps.pool, async (client) => {
      const marked = await markNotificationRead(client, customerId, notificationId, at);
      if (marked?.newlyRead) await recordAudit(client, auditEntry(res, at, 'notification.read', String(notificationId), { customer_id: customerId }));
      return marked;
    });
    if (!marked) throw new InputError('notification not found for this customer', 404);
    res.json(marked.notification);
  });
  return router;
}
