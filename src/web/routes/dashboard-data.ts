// The dashboard's data (JSON) and its CSV exports: every figure block is a table built once
// (src/web/*-view.ts) and served either way, under the filter the page's URL carries.
import { Router, type Request, type Response } from 'express';
import { systemClock } from '../../clock.js';
import { listInterventions, type Figure, type ListedIntervention } from '../../db/intervention-list.js';
import { strategiesSeen } from '../../db/interventions.js';
import { computeMetrics } from '../../db/metrics.js';
import { anyScoreStored } from '../../db/scores.js';
import { snapshotTrend } from '../../db/snapshot-trend.js';
import { trendBucket, type MetricsFilter } from '../../domain/metrics-filter.js';
import { holdoutShare, SNAPSHOT_PERIOD_DAYS } from '../../domain/metrics.js';
import { CHANNELS, INTERVENTION_TYPES } from '../../domain/types.js';
import { InputError } from '../../errors.js';
import { queueStatus } from '../../queues/queue-status.js';
import type { WebDeps } from '../deps.js';
import { funnelTable, summaryTable, trendTable, upliftTable } from '../effectiveness-view.js';
import { parseFilter, type GivenFilter } from '../filters.js';
import { cursorOf, figureTitle, INTERVENTION_COLUMNS, interventionRow, parseCursor, parseFigure } from '../interventions-view.js';
import { queuesTable } from '../operations-view.js';
import { intQuery } from '../params.js';
import { sendCsv, streamCsv, tableCsv, type Table } from '../tables.js';

const LIST_PAGE = 100;

function dashboardFilter(req: Request, now: Date): { filter: MetricsFilter; given: GivenFilter } {
  return parseFilter(req.query, now, { defaultDays: SNAPSHOT_PERIOD_DAYS, allowDays: false });
}

async function effectiveness(deps: WebDeps, req: Request) {
  const now = deps.clock.now();
  const { filter, given } = dashboardFilter(req, now);
  const bucket = trendBucket(filter);
  const [metrics, trend, strategies, scoresStored, inForce] = await Promise.all([
    computeMetrics(deps.pool, filter, now),
    snapshotTrend(deps.pool, filter, bucket),
    strategiesSeen(deps.pool, filter),
    anyScoreStored(deps.pool),
    deps.strategies.current(deps.pool),
  ]);
  // Every strategy shares the holdout's share (src/domain/strategies.ts): the champion's is it.
  const share = holdoutShare(metrics.holdout_interventions, metrics.holdout_interventions + metrics.total_interventions, inForce.champion.policy.holdout.percent);
  const notes: string[] = [];
  if (given.channel) notes.push('Snapshots are stored for every channel together: the channel filter does not apply to the trend.');
  if (given.strategy && given.type) notes.push("Snapshots store each strategy's figures over every type: the type filter does not apply to the trend.");
  if (given.strategy && trend.every((p) => p.total_interventions === null)) notes.push("No stored snapshot holds this strategy's figures yet.");
  const state = !scoresStored ? 'no_scores' : metrics.total_interventions + metrics.holdout_interventions === 0 ? 'no_match' : 'ok';
  return {
    state,
    filters: given,
    options: { types: INTERVENTION_TYPES, channels: CHANNELS, strategies },
    metrics,
    holdout_share: share,
    trend: { bucket, notes },
    tables: {
      summary: summaryTable(metrics, share, given),
      uplift: upliftTable(metrics, given),
      funnel: funnelTable(metrics.delivery_funnel, given),
      trend: trendTable(trend),
    },
  };
}

async function operations(deps: WebDeps) {
  // BullMQ stamps jobs with the wall clock, so their ages are measured against it.
  const now = systemClock.now();
  const queues = await Promise.all(deps.queues.all().map((queue) => queueStatus(queue, now)));
  return { measured_at: now.toISOString(), queues, tables: { queues: queuesTable(queues) } };
}

function listRequest(deps: WebDeps, req: Request) {
  const now = deps.clock.now();
  const { filter, given } = dashboardFilter(req, now);
  const { figure, name } = parseFigure(req.query.figure);
  return { now, filter, given, figure, name, after: parseCursor(req.query.after) };
}

async function interventionsPage(deps: WebDeps, req: Request) {
  const { now, filter, given, figure, name, after } = listRequest(deps, req);
  const limit = intQuery(req.query.limit, 'limit', { min: 1, max: 1000, fallback: LIST_PAGE });
  const rows = await listInterventions(deps.pool, filter, figure, now, { after, limit: limit + 1 });
  const shown = rows.slice(0, limit);
  return {
    filters: given,
    figure: name,
    title: figureTitle(figure, given.channel),
    next: rows.length > limit ? cursorOf(shown[shown.length - 1]!) : null,
    tables: { interventions: listTable(shown) },
  };
}

function listTable(rows: readonly ListedIntervention[]): Table {
  return { name: 'interventions', caption: 'Interventions', columns: INTERVENTION_COLUMNS, rows: rows.map(interventionRow) };
}

/** Rows a CSV export reads at a time. */
const EXPORT_BATCH = 2_000;

async function* allPages(deps: WebDeps, filter: MetricsFilter, figure: Figure, now: Date) {
  let after = null;
  for (;;) {
    const page = await listInterventions(deps.pool, filter, figure, now, { after, limit: EXPORT_BATCH });
    if (page.length > 0) yield page;
    if (page.length < EXPORT_BATCH) return;
    const last = page[page.length - 1]!;
    after = { interventionId: last.intervention_id, channel: last.channel ?? '' };
  }
}

export function dashboardDataRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/dashboard/data', async (req, res) => res.json(await effectiveness(deps, req)));
  router.get('/dashboard/data/operations', async (_req, res) => res.json(await operations(deps)));
  router.get('/dashboard/data/interventions', async (req, res) => res.json(await interventionsPage(deps, req)));

  router.get('/dashboard/export/:name.csv', async (req: Request, res: Response) => {
    const name = req.params.name;
    if (name === 'interventions') {
      const { now, filter, figure } = listRequest(deps, req);
      await streamCsv(res, 'interventions.csv', INTERVENTION_COLUMNS, allPages(deps, filter, figure, now), (row) => interventionRow(row).cells);
      return;
    }
    let table: Table | null = null;
    if (name === 'summary' || name === 'uplift' || name === 'funnel' || name === 'trend') table = (await effectiveness(deps, req)).tables[name];
    else if (name === 'queues') table = (await operations(deps)).tables.queues;
    if (!table) throw new InputError(`no export named ${String(name).slice(0, 40)}: summary, uplift, funnel, trend, queues or interventions`, 404);
    sendCsv(res, `${name}.csv`, tableCsv(table));
  });
  return router;
}
