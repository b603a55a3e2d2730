// GET /audit: who did what through the admin tools, newest first, filtered by time, actor and
// action (an action, or a resource for all its actions: action=queue).
import { Router } from 'express';
import { z } from 'zod';
import { listAudit } from '../../db/audit.js';
import { InputError } from '../../errors.js';
import type { WebDeps } from '../deps.js';
import { intQuery } from '../params.js';

const query = z.strictObject({
  since: z.union([z.iso.datetime({ offset: true }), z.iso.date()], { message: 'must be an ISO 8601 date or date-time with its offset, such as 2026-11-25 or 2026-11-25T14:00:00Z' }).optional(),
  actor: z.string().regex(/^[a-z_]{1,32}$/, 'must be a role name such as admin').optional(),
  action: z.string().regex(/^[a-z_]{1,40}(\.[a-z_]{1,40})?$/, 'must be an action such as preferences.put, or a resource such as queue').optional(),
  before: z.string().optional(),
  limit: z.string().optional(),
});

export function auditRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (issue?.code === 'unrecognized_keys') throw new InputError(`unknown parameter ${issue.keys.join(', ')}: use since, actor, action, before, limit`);
      throw new InputError(`${String(issue?.path[0] ?? 'query')}: ${issue?.message ?? 'invalid'}`);
    }
    const { since, actor, action } = parsed.data;
    const limit = intQuery(parsed.data.limit, 'limit', { min: 1, max: 1000, fallback: 100 });
    const before = parsed.data.before === undefined ? null : intQuery(parsed.data.before, 'before', { min: 1, max: 999_999_999, fallback: 1 });
    const entries = await listAudit(deps.pool, { since: since ? new Date(since) : null, actor: actor ?? null, action: action ?? null, before, limit });
    res.json({ entries, next_before: entries.length === limit ? (entries.at(-1)?.audit_id ?? null) : null });
  });
  return router;
}
