// The phone channel's work list for agents: list, claim (atomic), complete with the response.
import { Router } from 'express';
import { z } from 'zod';
import { claimAgentTask, completeAgentTask, listAgentTasks } from '../../db/agent-tasks.js';
import { RESPONSE_TYPES } from '../../domain/types.js';
import { InputError } from '../../errors.js';
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
    const body = parseBody(claimBody, req.body);
    res.json(await claimAgentTask(deps.pool, idParam(req.params.id, 'task id'), body.agent, deps.clock.now()));
  });
  router.post('/agent_tasks/:id/complete', async (req, res) => {
    const body = parseBody(completeBody, req.body);
    const task = await completeAgentTask(
      deps.pool,
      idParam(req.params.id, 'task id'),
      { agent: body.agent ?? null, responseType: body.response_type, notes: body.notes ?? null },
      deps.clock.now(),
    );
    res.json(task);
  });
  return router;
}
