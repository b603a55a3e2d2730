// Effectiveness metrics over a portfolio whose outcomes we chose: every figure checked against
// a hand computation, including the confidence bounds; snapshots once per period, whatever the
// number of workers; Bull Board and /metrics (the dashboard's pages: test/e2e/dashboard-pages.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/clock.js';
import type { computeMetrics } from '../../src/db/metrics.js';
import { createLogger } from '../../src/logger.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { count, startTestEngine, TEST_ADMIN_TOKEN, waitFor, type TestEngine } from '../support/engine.js';
import { loadKnownOutcomes } from '../support/known-outcomes.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const clock = fixedClock(NOW);
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({ clock, web: true, workers: false, env: { METRICS_EVERY: '2s' } });
  await loadKnownOutcomes(engine, NOW);
});

afterAll(async () => {
  await engine?.close();
});

describe('GET /intervention_metrics', () => {
  it('counts only matured outcomes and compares treated with holdout, every figure as computed by hand', async () => {
    const res = await engine.api('/intervention_metrics?days=90');
    expect(res.status).toBe(200);
    const m = (await res.json()) as Awaited<ReturnType<typeof computeMetrics>>;
    expect(m).toMatchObject({
      period_days: 90,
      measured_at: NOW.toISOString(),
      outcome_window_days: 30,
      total_interventions: 20,
      matured_interventions: 16,
      maturing_interventions: 4,
      prevented_defaults: 13,
      defaults_occurred: 3,
      success_rate: 13 / 16,
      holdout_interventions: 5,
    });
    // Treated 3/16 = 0.1875, holdout 3/5 = 0.6; uplift 0.4125 ± 1.96·√(0.1875·0.8125/16 + 0.6·0.4/5)
    expect(m.holdout_comparison.treated_default_rate).toBe(0.1875);
    expect(m.holdout_comparison.holdout_default_rate).toBe(0.6);
    expect(m.holdout_comparison.absolute_uplift).toBeCloseTo(0.4125, 12);
    expect(m.holdout_comparison.ci_low).toBeCloseTo(-0.05757064738373435, 12);
    expect(m.holdout_comparison.ci_high).toBeCloseTo(0.8825706473837343, 12);

    const pa = m.by_intervention_type.find((t) => t.intervention_type === 'payment_assistance')!;
    expect(pa).toMatchObject({ total_interventions: 14, matured_interventions: 10, maturing_interventions: 4, prevented_defaults: 7, defaults_occurred: 3, success_rate: 0.7, holdout_interventions: 5 });
    expect(pa.holdout_comparison.absolute_uplift).toBeCloseTo(0.3, 12);
    expect(pa.holdout_comparison.ci_low).toBeCloseTo(-0.21484042054591507, 12);
    expect(pa.holdout_comparison.ci_high).toBeCloseTo(0.814840420545915, 12);
    const flexible = m.by_intervention_type.find((t) => t.intervention_type === 'flexible_payment')!;
    expect(flexible).toMatchObject({ total_interventions: 6, success_rate: 1, holdout_interventions: 0 });
    expect(flexible.holdout_comparison.absolute_uplift).toBeNull();
    expect(m.by_intervention_type.find((t) => t.intervention_type === 'payment_reminder')).toMatchObject({ total_interventions: 0, success_rate: null });

    // Sent includes the four bounced emails; stages a channel never reports are null, and each
    // rate divides by the stage before it that the channel reports.
    const none = { pending: 0, scheduled: 0, bounced: 0, failed: 0, suppressed: 0, unknown: 0 };
    expect(m.delivery_funnel).toEqual([
      {
        channel: 'email', ...none, decided: 19, intervened: 14, sent: 6, bounced: 4, delivered: 2, opened: 1, clicked: 1, responded: 1,
        rates: { decided: null, intervened: 14 / 19, sent: 6 / 14, delivered: 2 / 6, opened: 1 / 2, clicked: 1, responded: 1 },
      },
      {
        channel: 'phone', ...none, decided: 2, intervened: 2, sent: 2, delivered: null, opened: null, clicked: null, responded: 1,
        rates: { decided: null, intervened: 1, sent: 1, delivered: null, opened: null, clicked: null, responded: 0.5 },
      },
      {
        channel: 'sms', ...none, decided: 6, intervened: 6, sent: 0, suppressed: 6, delivered: 0, opened: null, clicked: null, responded: 0,
        rates: { decided: null, intervened: 1, sent: 0, delivered: null, opened: null, clicked: null, responded: null },
      },
    ]);
    expect(m.decisions).toEqual({ evaluated: 25, intervention: 20, holdout: 5, no_intervention: 0 });
  });

  it('counts nothing as a success while every intervention in the window is still maturing', async () => {
    const m = (await (await engine.api('/intervention_metrics?days=30')).json()) as Awaited<ReturnType<typeof computeMetrics>>;
    expect(m).toMatchObject({ total_interventions: 4, matured_interventions: 0, maturing_interventions: 4, prevented_defaults: 0, success_rate: null });
  });

  it('counts a failed delivery as sent only when the provider had accepted it first', async () => {
    // Two emails on a day of their own, alike but for whether the provider ever accepted them.
    const day = '2026-05-04';
    for (const [customerId, sentAt] of [['F1', `${day}T10:00:00Z`], ['F2', null]] as const) {
      await engine.db.pool.query(
        `with d as (
           insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
           values ($1, $2, 0.9, 'intervention', 'increasing', 'payment_assistance', 'test', $2) returning decision_id),
         i as (
           insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, holdout, policy_version)
           select decision_id, $1, $2, 'payment_assistance', 'high', 0.9, 'increasing', '{email}', '{}', $2, false, 'test' from d
           returning intervention_id, intervention_date)
         insert into deliveries (intervention_id, intervention_date, customer_id, channel, status, sent_at)
         select intervention_id, intervention_date, $1, 'email', 'failed', $3 from i`,
        [customerId, `${day}T09:00:00Z`, sentAt],
      );
    }
    const m = (await (await engine.api(`/intervention_metrics?from=${day}&to=${day}`)).json()) as Awaited<ReturnType<typeof computeMetrics>>;
    expect(m.delivery_funnel).toEqual([expect.objectContaining({ channel: 'email', intervened: 2, sent: 1, failed: 2 })]);
  });

  it.each(['0', '3651', 'abc', '-1', '1e3'])('refuses days=%s with 400', async (days) => {
    const res = await engine.api(`/intervention_metrics?days=${days}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/days must be a whole number from 1 to 3650/);
  });

  it('runs its queries without JIT compilation, which cost the snapshot more than it saved', async () => {
    const { rows } = await engine.db.pool.query<{ jit: string }>('show jit');
    expect(rows[0]!.jit).toBe('off');
  });
});

describe('metrics snapshots', () => {
  it('stores one snapshot per period with two worker processes running the scheduler', async () => {
    // The scheduler runs on real time, and so must the periods the jobs compute.
    const logger = createLogger('silent', 'test');
    const first = startWorkers(engine.runtime, { clock: systemClock, logger });
    const second = startWorkers(engine.runtime, { clock: systemClock, logger });
    try {
      await waitFor('three snapshots', async () => (await count(engine, 'select 1 from metrics_snapshots')) >= 3, 20_000);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    const slots = await engine.db.pool.query<{ n: number; distinct_slots: number }>('select count(*)::int as n, count(distinct slot)::int as distinct_slots from metrics_snapshots');
    expect(slots.rows[0]!.n).toBe(slots.rows[0]!.distinct_slots);
    // One job per period ran, not one per worker (the queue also carries the partitions' maintenance).
    const completed = await engine.runtime.queues.metrics.getJobs(['completed']);
    expect(completed.filter((job) => job.name === 'snapshot')).toHaveLength(slots.rows[0]!.n);
  });

  it('lists snapshots newest first', async () => {
    const res = await engine.api('/intervention_metrics/snapshots?limit=2');
    const body = (await res.json()) as { snapshots: { measured_at: string; metrics: { period_days: number } }[] };
    expect(body.snapshots).toHaveLength(2);
    expect(Date.parse(body.snapshots[0]!.measured_at)).toBeGreaterThanOrEqual(Date.parse(body.snapshots[1]!.measured_at));
    expect(body.snapshots[0]!.metrics.period_days).toBe(90);
  });
});

describe('pages and monitoring', () => {
  it('asks for credentials on the dashboard and Bull Board, and takes Basic or Bearer', async () => {
    for (const page of ['/dashboard', '/admin/queues']) {
      const anonymous = await engine.api(page, { token: null });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
      const basic = await engine.api(page, { token: null, headers: { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}` } });
      expect(basic.status).toBe(200);
      expect((await engine.api(page)).status).toBe(200);
      const wrongUser = await engine.api(page, { token: null, headers: { authorization: `Basic ${Buffer.from(`root:${TEST_ADMIN_TOKEN}`).toString('base64')}` } });
      expect(wrongUser.status).toBe(401);
    }
    const queues = await engine.api('/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['deliver-app', 'deliver-email', 'deliver-phone', 'deliver-sms', 'evaluate-customer', 'metrics-snapshot', 'sweep-responses']);
  });

  it('serves Prometheus metrics without authentication', async () => {
    const res = await engine.api('/metrics', { token: null });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^ie_queue_jobs\{queue="evaluate-customer",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^ie_queue_jobs_processed\{queue="metrics-snapshot",result="completed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^ie_deliveries\{channel="sms",status="suppressed"\} 6$/m);
    expect(text).toMatch(/^ie_decisions\{outcome="holdout"\} 5$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});
