// Effectiveness metrics for analysts: now, and their stored history.
import { Router } from 'express';
import { computeMetrics, listSnapshots } from '../../db/metrics.js';
import type { WebDeps } from '../deps.js';
import { intQuery } from '../params.js';

export function metricsRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/intervention_metrics', async (req, res) => {
    const days = intQuery(req.query.days, 'days', { min: 1, max: 3650, fallback: 30 });
    res.json(await computeMetrics(deps.pool, days, deps.clock.now()));
  });
  router.get('/intervention_metrics/snapshots', async (req, res) => {
    const limit = intQuery(req.query.limit, 'limit', { min: 1, max: 1000, fallback: 50 });
    res.json({ snapshots: await listSnapshots(deps.pool, limit) });
  });
  return router;
}
