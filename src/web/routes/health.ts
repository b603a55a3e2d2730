// Liveness (the process answers) and readiness (Postgres and the queue store answer too).
import { Router } from 'express';
import { createWebRegistry } from '../../observability.js';
import type { WebDeps } from '../deps.js';

async function check(probe: () => Promise<unknown>): Promise<'ok' | string> {
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2_000).unref())]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

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
    const [postgres, queues] = await Promise.all([check(() => deps.pool.query('select 1')), check(() => deps.queueStore.ping())]);
    const ready = postgres === 'ok' && queues === 'ok';
    // With QUEUE_BACKEND=postgres the queues live in the same database, reached through their own connections.
    const queueKey = deps.queueStore.backend === 'redis' ? 'redis' : 'queues';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres, [queueKey]: queues });
  });
  return router;
}
