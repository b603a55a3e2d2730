// Effectiveness metrics for analysts: now, and their stored history. The metrics take the
// dashboard's filters too (?from=&to=&type=&channel=&strategy=), so that every figure the
// dashboard shows can be had from the API.
import { Router } from 'express';
import { computeMetrics, listSnapshots } from '../../db/metrics.js';
import type { WebDeps } from '../deps.js';
import { parseFilter } from '../filters.js';
import { intQuery } from '../params.js';

export function metricsRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/intervention_metrics', async (req, res) => {
    const now = deps.clock.now();
    const { filter } = parseFilter(req.query, now, { defaultDays: 30, allowDays: true });
    res.json(await computeMetrics(deps.pool, filter, now));
  });
  router.get('/intervention_metrics/snapshots', async (req, res) => {
    const limit = intQuery(req.query.limit, 'limit', { min: 1, max: 1000, fallback: 50 });
    res.json({ snapshots: await listSnapshots(deps.pool, limit) });
  });
  return router;
}
