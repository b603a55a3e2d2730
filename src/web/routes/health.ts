// Liveness (the process answers) and readiness (Postgres and the queue store answer too).
import { Router } from 'express';
import { createWebRegistry, readiness } from '../../runtime/observability.js';
import type { WebDeps } from '../deps.js';

export function healthRoutes(deps: Pick<WebDeps, 'pool' | 'queueStore' | 'queues'>): Router {
  const router = Router();
  const registry = createWebRegistry(deps);
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, body } = await readiness(deps);
    res.status(ready ? 200 : 503).json(body);
  });
  return router;
}
