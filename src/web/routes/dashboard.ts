// GET /dashboard: current metrics and their history as charts (Chart.js, served from our own
// node_modules: the machines that run this have no internet). Bull Board at /admin/queues.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { Router } from 'express';
import { computeMetrics, listSnapshots } from '../../db/metrics.js';
import { SNAPSHOT_PERIOD_DAYS } from '../../domain/metrics.js';
import type { WebDeps } from '../deps.js';

const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');
// The UMD build sits beside the package's main file; it is not in the package's exports map.
const CHART_JS = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

export async function queueDepths(deps: Pick<WebDeps, 'queues'>): Promise<{ queue: string; counts: Record<string, number> }[]> {
  return Promise.all(
    deps.queues.all().map(async (queue) => ({ queue: queue.name, counts: await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed') })),
  );
}

export function dashboardRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/dashboard', (_req, res) => res.sendFile(path.join(DASHBOARD_DIR, 'index.html')));
  router.get('/dashboard/assets/chart.umd.min.js', (_req, res) => res.sendFile(CHART_JS));
  router.use('/dashboard/assets', express.static(DASHBOARD_DIR, { index: false }));
  router.get('/dashboard/data', async (_req, res) => {
    const [current, snapshots, queues] = await Promise.all([
      computeMetrics(deps.pool, SNAPSHOT_PERIOD_DAYS, deps.clock.now()),
      listSnapshots(deps.pool, 200),
      queueDepths(deps),
    ]);
    res.json({ current, snapshots: snapshots.reverse(), queues });
  });
  return router;
}

/** Bull Board at /admin/queues; read-only (no retry, clean, pause or delete) for the viewer role. */
export function bullBoard(deps: Pick<WebDeps, 'queues'>, options: { readOnly: boolean }): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly })), serverAdapter });
  return serverAdapter.getRouter() as Router;
}
