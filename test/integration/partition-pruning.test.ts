// Partition pruning, shown by EXPLAIN (FORMAT JSON) of the engine's own queries: the metrics over
// a 90-day window read only the window's months of deliveries, and the evaluation's state read
// only the batch's month of decisions and scores (and the month before, for the trend).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/db/metrics.js';
import { lastDays } from '../../src/domain/metrics-filter.js';
import { loadEvaluationStates } from '../../src/db/evaluation-state.js';
import { createComingPartitions } from '../../src/db/partitions.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { explaining, partitionsRead, planNodes, type PlanNode } from '../support/explain.js';

const NOW = new Date('2027-06-15T12:00:00Z');
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({ workers: false });
  // Every month of 2027 up to September: the window's months and others on both sides.
  await createComingPartitions(engine.db.pool, new Date('2027-01-10T00:00:00Z'), { monthsAhead: 8 });
  // Interventions with deliveries every ten days of the year, each customer scored every day.
  await engine.db.pool.query(
    `insert into customers (customer_id, full_name, timezone)
     select 'R' || n, 'Customer ' || n, 'Europe/Madrid' from generate_series(1, 20) as n`,
  );
  await engine.db.pool.query(
    `insert into risk_scores (customer_id, risk_score, score_date)
     select 'R' || n, 0.3 + (d % 7) / 10.0, '2027-01-01T00:00:00Z'::timestamptz + d * interval '1 day'
       from generate_series(1, 20) as n, generate_series(0, 200) as d`,
  );
  await engine.db.pool.query(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
       select 'R' || n, '2027-01-01T00:00:00Z'::timestamptz + d * interval '10 days', 0.7, 'intervention', 'increasing', 'flexible_payment', 'test',
              '2027-01-01T06:00:00Z'::timestamptz + d * interval '10 days'
         from generate_series(1, 20) as n, generate_series(0, 24) as d
       returning decision_id, customer_id, decided_at),
     i as (
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, policy_version)
       select decision_id, customer_id, decided_at, 'flexible_payment', 'high', 0.7, 'increasing', '{email,sms}', '{}', decided_at + interval '5 days', 'test' from d
       returning intervention_id, intervention_date, customer_id)
     insert into deliveries (intervention_id, intervention_date, customer_id, channel, status)
     select intervention_id, intervention_date, customer_id, c, 'sent' from i, unnest(array['email', 'sms']) as c`,
  );
  await engine.db.pool.query('analyze risk_scores, decisions, interventions, deliveries');
});

afterAll(async () => {
  await engine?.close();
});

describe('partition pruning', () => {
  it("reads only the 90-day window's months of deliveries for the metrics", async () => {
    const plans: PlanNode[] = [];
    const metrics = await computeMetrics(explaining(engine.db.pool, plans), lastDays(90, NOW), NOW);
    // From 2027-03-17 to 2027-06-15: March to June, and no other month, nor the default partition,
    // of the deliveries (the funnel) and of the decisions (the period's scores decided).
    expect(partitionsRead(plans)).toEqual({
      decisions: ['decisions_p202703', 'decisions_p202704', 'decisions_p202705', 'decisions_p202706'],
      deliveries: ['deliveries_p202703', 'deliveries_p202704', 'deliveries_p202705', 'deliveries_p202706'],
    });
    expect(metrics.delivery_funnel.map((f) => [f.channel, f.sent])).toEqual([
      ['email', 180],
      ['sms', 180],
    ]);
  });

  it("reads only the batch's month of decisions and scores, and the month before for the trend", async () => {
    const plans: PlanNode[] = [];
    const refs = ['R1', 'R2', 'R3'].flatMap((customerId) => ['2027-06-14T00:00:00Z', '2027-06-15T00:00:00Z'].map((scoreDate) => ({ customerId, scoreDate: new Date(scoreDate).toISOString() })));
    const states = await loadEvaluationStates(explaining(engine.db.pool, plans), refs, 5);
    // One query: every score had its five scores within the first lookback.
    expect(plans).toHaveLength(1);
    expect(partitionsRead(plans)).toEqual({
      risk_scores: ['risk_scores_p202705', 'risk_scores_p202706'],
      decisions: ['decisions_p202706'],
    });
    expect(states).toHaveLength(6);
    for (const state of states) expect(state.recentScores).toHaveLength(5);
  });

  it("looks a batch's scores and decisions up by their keys before the statistics know the batch's date", async () => {
    // A nightly batch for a day the last ANALYZE never saw, stored and partly decided since.
    await engine.db.pool.query(
      `insert into customers (customer_id, full_name, timezone)
       select 'N' || n, 'Customer ' || n, 'Europe/Madrid' from generate_series(1, 20000) as n`,
    );
    await engine.db.pool.query("insert into risk_scores (customer_id, risk_score, score_date) select 'N' || n, 0.5, '2027-07-25T00:00:00Z' from generate_series(1, 20000) as n");
    await engine.db.pool.query(
      `insert into decisions (customer_id, score_date, risk_score, outcome, trend, policy_version, decided_at)
       select 'N' || n, '2027-07-25T00:00:00Z', 0.5, 'no_intervention', 'stable', 'test', now() from generate_series(1, 10000) as n`,
    );
    const plans: PlanNode[] = [];
    // A chunk as the evaluation takes it: 250 scores, half of them decided already.
    const refs = Array.from({ length: 250 }, (_, n) => ({ customerId: `N${9876 + n}`, scoreDate: '2027-07-25T00:00:00.000Z' }));
    const states = await loadEvaluationStates(explaining(engine.db.pool, plans), refs, 5);
    expect(states).toHaveLength(250);
    expect(states.filter((state) => state.existingDecisionId !== null)).toHaveLength(125);
    const scans = planNodes(plans).filter((node) => node['Node Type'] === 'Seq Scan' && /^(risk_scores|decisions)_/.test(node['Relation Name'] ?? ''));
    expect(scans.map((node) => node['Relation Name'])).toEqual([]);
  });

  it('reads the whole history of a score with few recent ones, so that the trend is the same', async () => {
    // Scored once a month: the trend's five scores reach back five months.
    await engine.db.pool.query("insert into customers (customer_id, full_name) values ('MONTHLY', 'Monthly Customer')");
    await engine.db.pool.query(
      `insert into risk_scores (customer_id, risk_score, score_date)
       select 'MONTHLY', s, '2027-01-15T00:00:00Z'::timestamptz + n * interval '1 month'
         from unnest(array[0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) with ordinality as t(s, n)`,
    );
    const plans: PlanNode[] = [];
    const [state] = await loadEvaluationStates(explaining(engine.db.pool, plans), [{ customerId: 'MONTHLY', scoreDate: '2027-07-15T00:00:00.000Z' }], 5);
    expect(state!.recentScores).toEqual([0.7, 0.6, 0.5, 0.4, 0.3]);
    expect(plans).toHaveLength(2);
  });

  it("reads only the period's missed payments for the outcomes, not every payment ever recorded", async () => {
    // Five years of monthly payments for 2,000 customers, one in fifty missed.
    await engine.db.pool.query(
      `insert into payments (customer_id, due_date, amount, status)
       select 'R' || (n % 2000), date '2022-07-01' + (n / 2000) * interval '1 month', 100, case when n % 50 = 0 then 'missed' else 'paid' end
         from generate_series(0, 2000 * 60 - 1) as n`,
    );
    await engine.db.pool.query('analyze payments');
    const plans: PlanNode[] = [];
    await computeMetrics(explaining(engine.db.pool, plans), lastDays(90, NOW), NOW);
    const nodes = planNodes(plans);
    expect(nodes.filter((node) => node['Relation Name'] === 'payments' && node['Node Type'] === 'Seq Scan')).toEqual([]);
    const paymentIndexes = nodes.flatMap((node) => (node['Index Name']?.startsWith('payments_') ? [node['Index Name']] : []));
    expect(paymentIndexes.length).toBeGreaterThan(0);
    expect(new Set(paymentIndexes)).toEqual(new Set(['payments_missed_due']));
  });

  it('reads every month without the bounds: the pruning above is the bounds at work', async () => {
    const plans: PlanNode[] = [];
    const db = explaining(engine.db.pool, plans);
    await db.query(
      `select d.channel, count(*) from deliveries d join interventions i on i.intervention_id = d.intervention_id
        where i.intervention_date > $1::timestamptz - make_interval(days => 90) and i.intervention_date <= $1::timestamptz group by 1`,
      [NOW],
    );
    expect(partitionsRead(plans).deliveries).toEqual(expect.arrayContaining(['deliveries_default', 'deliveries_p202701', 'deliveries_p202709']));
  });
});
