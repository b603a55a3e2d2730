// Champion and challengers (SPEC §12): list, read, put, promote and retire strategies. Every
// change is validated like the policy file, stored, audited, and in force for the next decision.
import { Router } from 'express';
import { z } from 'zod';
import { findStrategy, loadStrategies, type StoredStrategy } from '../../db/strategies.js';
import { policySchema } from '../../domain/policy.js';
import { strategyNameSchema, trafficShares, weightSchema } from '../../domain/strategies.js';
import { InputError } from '../../errors.js';
import { promoteStrategy, putStrategy, retireStrategy } from '../../strategies/change-strategies.js';
import type { WebDeps } from '../deps.js';
import { parseBody } from '../validate.js';

// The document GET answers, so that a strategy can be read, edited and put back.
const strategyBody = z.strictObject({
  name: strategyNameSchema.optional(),
  weight: weightSchema,
  // Ignored: only promotion makes a champion.
  champion: z.boolean().optional(),
  policy: policySchema,
});

// Until roles exist, whoever holds the admin token is the admin.
const ACTOR = 'admin';

const document = (s: StoredStrategy) => ({ name: s.name, weight: s.weight, champion: s.champion, policy: s.policy });

function nameParam(value: string | undefined): string {
  const parsed = strategyNameSchema.safeParse(value);
  if (!parsed.success) throw new InputError(`strategy name ${parsed.error.issues[0]?.message ?? 'is not valid'} (got '${String(value).slice(0, 70)}')`);
  return parsed.data;
}

export function strategyRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/strategies', async (_req, res) => {
    const { revision, strategies } = await loadStrategies(deps.pool);
    const shares = trafficShares(strategies);
    res.json({
      salt: deps.strategies.salt,
      revision,
      strategies: strategies.map((s) => ({
        name: s.name,
        weight: s.weight,
        share_percent: shares.get(s.name),
        champion: s.champion,
        policy_version: s.policy.version,
        since: s.updatedAt,
        created_at: s.createdAt,
      })),
    });
  });

  router.get('/strategies/:name', async (req, res) => {
    const name = nameParam(req.params.name);
    const strategy = await findStrategy(deps.pool, name);
    if (!strategy) throw new InputError(`no strategy named ${name}`, 404);
    res.json(document(strategy));
  });

  router.put('/strategies/:name', async (req, res) => {
    const name = nameParam(req.params.name);
    const body = parseBody(strategyBody, req.body);
    if (body.name !== undefined && body.name !== name) throw new InputError(`name: must be the name in the path (${name}) or left out`);
    const put = await putStrategy(deps.pool, { name, weight: body.weight, policy: body.policy }, { actor: ACTOR, at: deps.clock.now() });
    res.status(put.created ? 201 : 200).json(document(put.strategy));
  });

  router.post('/strategies/:name/promote', async (req, res) => {
    res.json(document(await promoteStrategy(deps.pool, nameParam(req.params.name), { actor: ACTOR, at: deps.clock.now() })));
  });

  router.delete('/strategies/:name', async (req, res) => {
    const retired = await retireStrategy(deps.pool, nameParam(req.params.name), { actor: ACTOR, at: deps.clock.now() });
    res.json({ retired: document(retired) });
  });

  return router;
}
