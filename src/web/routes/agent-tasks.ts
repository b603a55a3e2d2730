// The phone channel's work list for agents: list, claim (atomic), complete with the response;
// a claim and a completion are written to the audit log with the change.
import { Router } from 'express';
import { z } from 'zod';
import { claimAgentTask, completeAgentTask, listAgentTasks } from '../../db/agent-tasks.js';
import { recordAudit } from '../../db/audit.js';
import { withTransaction } from '../../db/pool.js';
import { RESPONSE_TYPES } from '../../domain/types.js';
import { InputError } from '../../errors.js';
import { auditEntry } from '../audit.js';
import type { WebDeps } from '../deps.js';
import { idParam, intQuery } from '../params.js';
import { parseBody } from '../validate.js';

const STATUSES = ['open', 'claimed', 'completed'] as const;
const agentName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const claimBody = z.object({ agent: agentName }).strict();
const completeBody = z
  .object({
    response_type: z.enum(RESPONSE_TYPES, { message: `must be one of ${RESPONSE_TYPES.join(', ')}` }),
    notes: z.string().max(4_000, 'must be at most 4000 characters').optional(),
    agent: agentName.optional(),
  })
  .strict();

export function agentTaskRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/agent_tasks', async (req, res) => {
    const status = req.query.status;
    if (status !== undefined && !STATUSES.includes(status as (typeof STATUSES)[number])) {
      throw new InputError(`status must be one of ${STATUSES.join(', ')}`);
    }
    const tasks = await listAgentTasks(deps.pool, (status as (typeof STATUSES)[number] | undefined) ?? null, intQuery(req.query.limit, 'limit', { min: 1, max: 500, fallback: 100 }));
    res.json({ tasks });
  });
  router.post('/agent_tasks/:id/claim', async (req, res) => {
    const taskId = idParam(req.params.id, 'task id');
    const body = parseBody(claimBody, req.body);
    const at = deps.clock.now();
    const task = await withTransaction(deps.pool, async (client) => {
      const { task, claimed } = await claimAgentTask(client, taskId, body.agent, at);
      if (claimed) await recordAudit(client, auditEntry(res, at, 'agent_task.claim', String(taskId), { agent: body.agent, customer_id: task.customer_id }));
      return task;
    });
    res.json(task);
  });
  router.post('/agent_tasks/:id/complete', async (req, res) => {
    const taskId = idParam(req.params.id, 'task id');
    const body = parseBody(completeBody, req.body);
    const at = deps.clock.now();
    const task = await withTransaction(deps.pool, async (client) => {
      const task = await completeAgentTask(client, taskId, { agent: body.agent ?? null, responseType: body.response_type, notes: body.notes ?? null }, at);
      // The notes are the customer's words as the agent wrote them: they stay with the task, not here.
      await recordAudit(client, auditEntry(res, at, 'agent_task.complete', String(taskId), { agent: task.claimed_by, customer_id: task.customer_id, response_type: body.response_type, with_notes: body.notes !== undefined }));
      return task;
    });
    res.json(task);
  });
  return router;
}
