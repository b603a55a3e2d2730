// The dashboard's data over a portfolio with every funnel stage, strategies and a snapshot
// history: each figure's list of interventions holds exactly the figure, filters narrow the API
// and the dashboard alike (checked against independent SQL), each CSV export is its table, the
// trend keeps one snapshot a day, and the operator's view reads real BullMQ queues.
import { parse } from 'csv-parse/sync';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import type { InterventionMetrics } from '../../src/db/metrics.js';
import { RESPONSES_QUEUE, bullPrefix } from '../../src/queues/names.js';
import type { Table } from '../../src/web/tables.js';
import { seedDashboardPortfolio } from '../support/dashboard-portfolio.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const VIEWER = 'viewer-token-0123456789abcdef';
let engine: TestEngine;

interface DashboardData {
  state: string;
  metrics: InterventionMetrics;
  tables: Record<'summary' | 'uplift' | 'funnel' | 'trend', Table>;
}

async function json<T>(path: string): Promise<T> {
  const res = await engine.api(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

/** Every row of a figure's list, following the pages. */
async function listed(href: string): Promise<Table['rows']> {
  const rows: Table['rows'] = [];
  let url: string | null = href.replace('/dashboard/interventions', '/dashboard/data/interventions');
  while (url) {
    const page: { next: string | null; tables: { interventions: Table } } = await json(url);
    rows.push(...page.tables.interventions.rows);
    url = page.next ? `${url.replace(/&after=[^&]*/, '')}&after=${page.next}` : null;
  }
  return rows;
}

function csvOf(text: string): string[][] {
  return parse(text) as string[][];
}

function asCsv(table: Table): string[][] {
  return [table.columns.map((c) => c.label), ...table.rows.map((row) => table.columns.map((c) => (row.cells[c.key] === null || row.cells[c.key] === undefined ? '' : String(row.cells[c.key]))))];
}

beforeAll(async () => {
  engine = await startTestEngine({ clock: fixedClock(NOW), web: true, workers: false, env: { VIEWER_TOKEN: VIEWER } });
  await seedDashboardPortfolio(engine, NOW);
});

afterAll(async () => {
  await engine?.close();
});

describe('the figures and the interventions behind them', () => {
  it('lists exactly as many interventions as each linked figure counts, in the summary, the uplift table and the funnel', async () => {
    const data = await json<DashboardData>('/dashboard/data');
    let checked = 0;
    for (const name of ['summary', 'uplift', 'funnel'] as const) {
      for (const row of data.tables[name].rows) {
        for (const [key, href] of Object.entries(row.links ?? {})) {
          const rows = await listed(href);
          expect(rows.length, `${name} ${JSON.stringify(row.cells)} ${key}`).toBe(row.cells[key]);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('counts bounced emails as sent, and the deliveries waiting for quiet hours, as an independent query does', async () => {
    const { metrics } = await json<DashboardData>('/dashboard/data');
    const email = metrics.delivery_funnel.find((f) => f.channel === 'email')!;
    const sms = metrics.delivery_funnel.find((f) => f.channel === 'sms')!;
    const since = new Date(NOW.getTime() - 90 * 86_400_000);
    const statuses = (channel: string, list: string[], sent?: boolean) =>
      count(
        engine,
        `select 1 from deliveries d join interventions i using (intervention_id)
          where i.intervention_date >= $1 and d.channel = $2 and d.status = any($3) and ($4::boolean is null or (d.sent_at is not null) = $4)`,
        [since, channel, list, sent ?? null],
      );
    expect(email.bounced).toBe(await statuses('email', ['bounced']));
    expect(email.bounced).toBeGreaterThan(0);
    expect(email.sent).toBe((await statuses('email', ['sent', 'outbox', 'delivered', 'opened', 'clicked', 'bounced'])) + (await statuses('email', ['failed'], true)));
    expect(email.sent).toBeGreaterThan(email.delivered!);
    expect(sms.scheduled).toBe(await statuses('sms', ['scheduled']));
    expect(sms.scheduled).toBe(2);
  });

  it('links each listed intervention to its customer page, whose timeline holds that intervention', async () => {
    const rows = await listed('/dashboard/interventions?figure=treated&type=payment_assistance');
    const customer = rows[0]!;
    expect(customer.links?.customer_id).toBe(`/dashboard/customer?id=${customer.cells.customer_id}`);
    const timeline = await json<{ entries: { kind: string; detail: { intervention_id?: number } }[] }>(`/dashboard/customer/timeline?id=${customer.cells.customer_id}`);
    expect(timeline.entries.filter((entry) => entry.kind === 'intervention').map((entry) => String(entry.detail.intervention_id))).toEqual([customer.cells.intervention_id]);
  });
});

describe('filters', () => {
  it('narrows the API and the dashboard alike by type, channel, strategy and dates, as independent queries count', async () => {
    const since = new Date(NOW.getTime() - 90 * 86_400_000);
    const treated = (where: string, params: unknown[] = []) =>
      count(engine, `select 1 from interventions where not holdout and intervention_date >= $1 and ${where}`, [since, ...params]);
    const holdout = (where: string, params: unknown[] = []) => count(engine, `select 1 from interventions where holdout and intervention_date >= $1 and ${where}`, [since, ...params]);
    const cases: [string, number, number][] = [
      ['type=flexible_payment', await treated("intervention_type = 'flexible_payment'"), await holdout("intervention_type = 'flexible_payment'")],
      ['channel=sms', await treated("'sms' = any(channels)"), await holdout("'sms' = any(channels)")],
      // A strategy narrows the holdout too: each strategy is compared with its own holdout.
      ['strategy=gentle', await treated("strategy = 'gentle'"), await holdout("strategy = 'gentle'")],
      ['from=2026-10-11&to=2026-10-16', await treated("intervention_date >= '2026-10-11' and intervention_date < '2026-10-17'"), await holdout("intervention_date >= '2026-10-11' and intervention_date < '2026-10-17'")],
    ];
    for (const [query, expectedTreated, expectedHoldout] of cases) {
      const api = await json<InterventionMetrics>(`/intervention_metrics?days=90&${query}`.replace('days=90&from', 'from'));
      const page = await json<DashboardData>(`/dashboard/data?${query}`);
      expect([api.total_interventions, api.holdout_interventions], query).toEqual([expectedTreated, expectedHoldout]);
      expect(page.metrics.total_interventions, query).toBe(expectedTreated);
      expect(page.metrics.holdout_comparison, query).toEqual(api.holdout_comparison);
    }
    const strategy = await json<InterventionMetrics>('/intervention_metrics?days=90&strategy=gentle');
    expect(strategy.filters).toEqual({ type: null, channel: null, strategy: 'gentle' });
  });

  it.each([
    ['/dashboard/data?from=2026-13-01', 'from must be a date as YYYY-MM-DD'],
    ['/dashboard/data?type=everything', 'type must be one of'],
    ['/dashboard/data?days=30', 'days is not a filter here'],
    ['/intervention_metrics?days=30&from=2026-11-01', 'give days or from, not both'],
    ['/intervention_metrics?channel=pigeon', 'channel must be one of'],
    ['/dashboard/data/interventions?figure=everything', 'figure must be one of'],
    ['/dashboard/data/interventions?figure=toString', 'figure must be one of'],
    ['/dashboard/data/interventions?after=x', 'after must be an intervention id'],
    ['/dashboard/export/everything.csv', 'no export named everything'],
  ])('answers %s with a 4xx naming the parameter', async (path, message) => {
    const res = await engine.api(path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { error: string }).error).toContain(message);
  });
});

describe('CSV exports', () => {
  it('writes each table of the effectiveness page as the page has it, under the same filter', async () => {
    for (const query of ['', '?type=payment_assistance&channel=email']) {
      const data = await json<DashboardData>(`/dashboard/data${query}`);
      for (const name of ['summary', 'uplift', 'funnel', 'trend'] as const) {
        const res = await engine.api(`/dashboard/export/${name}.csv${query}`);
        expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
        expect(res.headers.get('content-disposition')).toContain(`${name}.csv`);
        expect(csvOf(await res.text()), `${name}${query}`).toEqual(asCsv(data.tables[name]));
      }
    }
  });

  it('writes every intervention behind a figure, as the pages list them one after the other', async () => {
    // Pages of 7 split interventions between their channels' rows: the keyset holds both.
    const rows = await listed('/dashboard/interventions?figure=decided&limit=7');
    expect(new Set(rows.map((row) => `${row.cells.intervention_id} ${row.cells.channel}`)).size).toBe(rows.length);
    const text = await (await engine.api('/dashboard/export/interventions.csv?figure=decided')).text();
    const page = await json<{ tables: { interventions: Table } }>('/dashboard/data/interventions?figure=decided');
    expect(csvOf(text)).toEqual(asCsv({ ...page.tables.interventions, rows }));
    expect(rows.length).toBeGreaterThan(70);
  });
});

describe('the trend', () => {
  it('shows the last snapshot of each day over 90 days, and every hourly one over a day', async () => {
    const data = await json<DashboardData>('/dashboard/data');
    const points = data.tables.trend.rows.map((row) => String(row.cells.measured_at));
    const { rows: lastOfDay } = await engine.db.pool.query<{ at: Date }>(
      `select max(measured_at) as at from metrics_snapshots where measured_at >= $1 and measured_at <= $2
        group by date_trunc('day', measured_at, 'UTC') order by 1`,
      [new Date(NOW.getTime() - 90 * 86_400_000), NOW],
    );
    expect(points).toEqual(lastOfDay.map((row) => row.at.toISOString()));
    expect(points.length).toBeGreaterThanOrEqual(89);
    const day = await json<DashboardData>('/dashboard/data?from=2026-11-24&to=2026-11-24');
    expect(day.tables.trend.rows).toHaveLength(24);
  });
});

describe('the operator view', () => {
  it('reports waiting, failed and completed jobs with the last error, the oldest waiting job and throughput now', async () => {
    const responses = engine.runtime.queues.responses;
    const evaluate = engine.runtime.queues.evaluate;
    const queued = await evaluate.add('evaluate', { scores: [] });
    await evaluate.add('evaluate', { scores: [] });
    // A worker of our own on the responses queue: two jobs succeed, one fails for good.
    const worker = new Worker(
      responses.name,
      async (job) => {
        if (job.data.fail) throw new Error('the database said no');
      },
      { connection: engine.runtime.queueStore.connection(), prefix: bullPrefix(engine.config.queuePrefix, RESPONSES_QUEUE), metrics: { maxDataPoints: 60 } },
    );
    try {
      await responses.addBulk([{ name: 'ok', data: {} }, { name: 'ok', data: {} }, { name: 'bad', data: { fail: true }, opts: { attempts: 1 } }]);
      await waitFor('the jobs to finish', async () => (await responses.getJobCountByTypes('completed', 'failed')) === 3);
    } finally {
      await worker.close();
    }
    const data = await json<{ queues: { queue: string; waiting: number; failed: number; completed_per_minute: number; oldest_waiting_since: string | null; last_failure: { error: string; attempts: number } | null }[] }>(
      '/dashboard/data/operations',
    );
    const evaluateStatus = data.queues.find((q) => q.queue === evaluate.name)!;
    expect(evaluateStatus.waiting).toBe(2);
    expect(evaluateStatus.oldest_waiting_since).toBe(new Date(queued.timestamp).toISOString());
    const responsesStatus = data.queues.find((q) => q.queue === responses.name)!;
    expect(responsesStatus.failed).toBe(1);
    expect(responsesStatus.last_failure).toMatchObject({ error: 'the database said no', attempts: 1 });
    // Three jobs finished within the last minute, over a window of five minutes and a part.
    expect(responsesStatus.completed_per_minute).toBeGreaterThan(2 / 6);
    expect(responsesStatus.completed_per_minute).toBeLessThanOrEqual(2 / 5);
    const csv = csvOf(await (await engine.api('/dashboard/export/queues.csv')).text());
    expect(csv[0]).toContain('Last error');
    expect(csv.find((row) => row[0] === responses.name)).toContain('job 3 after 1 attempt(s): the database said no');
  });
});

describe('who may read it', () => {
  it('lets the viewer read every page, its data and its exports, and asks anyone else for credentials', async () => {
    for (const path of ['/dashboard', '/dashboard/operations', '/dashboard/interventions', '/dashboard/customer', '/dashboard/data', '/dashboard/data/operations', '/dashboard/export/funnel.csv', '/admin/queues/fonts/ibm-plex-sans/400.css']) {
      expect((await engine.api(path, { token: VIEWER })).status, path).toBe(200);
      const anonymous = await engine.api(path, { token: null });
      expect(anonymous.status, path).toBe(401);
    }
  });
});
