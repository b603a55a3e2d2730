// The reference design's routes: trigger an evaluation of a customer's latest score (through
// the queue, waiting for the worker's decision), read an intervention, record a response. A
// trigger and a response are written to the audit log.
import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../db/audit.js';
import { withTransaction } from '../../db/pool.js';
import { recordResponse } from '../../db/responses.js';
import { RESPONSE_TYPES } from '../../domain/types.js';
import { findDecision, findIntervention } from '../../db/interventions.js';
import { findLatestScore } from '../../db/scores.js';
import { InputError } from '../../errors.js';
import { evaluateJobId } from '../../queues/queues.js';
import { auditEntry } from '../audit.js';
import type { WebDeps } from '../deps.js';
import { customerIdParam, idParam } from '../params.js';
import { parseBody } from '../validate.js';

const responseBody = z
  .object({
    response_type: z.enum(RESPONSE_TYPES, { message: `must be one of ${RESPONSE_TYPES.join(', ')}` }),
    notes: z.string().max(4_000, 'must be at most 4000 characters').optional(),
  })
  .strict();

export function interventionRoutes(deps: WebDeps): Router {
  const router = Router();

  router.post('/trigger_intervention/:customer_id', async (req, res) => {
    const customerId = customerIdParam(req.params.customer_id);
    const latest = await findLatestScore(deps.pool, customerId);
    if (!latest) throw new InputError('No risk score found', 404);
    const ref = { customerId, scoreDate: latest.scoreDate.toISOString() };
    // The same job id as the batch's: a score already evaluated answers with its decision.
    const job = await deps.queues.evaluate.add('evaluate', { scores: [ref] }, { jobId: evaluateJobId(ref) });
    await recordAudit(deps.pool, auditEntry(res, deps.clock.now(), 'intervention.trigger', customerId, { score_date: ref.scoreDate, job_id: job.id ?? null }));
    let decision = await findDecision(deps.pool, customerId, latest.scoreDate);
    if (!decision) {
      try {
        await job.waitUntilFinished(deps.evaluateEvents, deps.triggerTimeoutMs ?? 30_000);
      } catch (error) {
        deps.logger.warn({ customer_id: customerId, job_id: job.id, err: error }, 'trigger did not finish');
      }
      decision = await findDecision(deps.pool, customerId, latest.scoreDate);
    }
    if (!decision) {
      res.status(503).json({ error: 'the evaluation is queued but no worker finished it in time; is `npm run worker` running?', job_id: job.id });
      return;
    }
    if (decision.intervention_id === null) {
      res.json({ status: 'no_intervention_needed', customer_id: customerId, risk_score: decision.risk_score, reason: decision.reason });
      return;
    }
    const intervention = await findIntervention(deps.pool, decision.intervention_id);
    res.json({ status: 'intervention_triggered', intervention_id: decision.intervention_id, intervention });
  });

  router.get('/interventions/:id', async (req, res) => {
    const intervention = await findIntervention(deps.pool, idParam(req.params.id, 'intervention id'));
    if (!intervention) throw new InputError('intervention not found', 404);
    res.json(intervention);
  });

  router.post('/interventions/:id/response', async (req, res) => {
    const interventionId = idParam(req.params.id, 'intervention id');
    const body = parseBody(responseBody, req.body);
    const intervention = await findIntervention(deps.pool, interventionId);
    if (!intervention) throw new InputError('intervention not found', 404);
    const at = deps.clock.now();
    await withTransaction(deps.pool, async (client) => {
      await recordResponse(client, interventionId, body.response_type, 'api', body.notes ?? null, at);
      await recordAudit(client, auditEntry(res, at, 'intervention.response', String(interventionId), { customer_id: intervention.customer_id, response_type: body.response_type, with_notes: body.notes !== undefined }));
    });
    res.status(201).json(await findIntervention(deps.pool, interventionId));
  });

  return router;
}
