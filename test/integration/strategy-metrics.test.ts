// by_strategy in GET /intervention_metrics, in the stored snapshots and on the dashboard, over
// interventions whose outcomes we chose: customers treated twice, a customer who moved from the
// champion to the challenger, one still maturing. Every figure is checked against a direct
// computation from the individual outcomes (test/support/clustered-reference.ts), and a few by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { computeMetrics, listSnapshots, storeSnapshot, type InterventionMetrics } from '../../src/db/metrics.js';
import { lastDays } from '../../src/domain/metrics-filter.js';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { Z_95, type Estimate } from '../../src/domain/metrics.js';
import { referenceDifference, referenceRate, type Outcome } from '../support/clustered-reference.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
let engine: TestEngine;

/** [customer, strategy, holdout, days ago, defaulted within 30 days]; the missed payments below make it so. */
type Row = [string, string, boolean, number, boolean];
const ROWS: Row[] = [
  // The champion, treated: d1 twice (both followed by the payment missed 35 days ago), m1 before it moved.
  ['d1', 'default', false, 50, true], ['d1', 'default', false, 40, true], ['d2', 'default', false, 40, false], ['d3', 'default', false, 40, false],
  ['d4', 'default', false, 40, true], ['d5', 'default', false, 40, false], ['m1', 'default', false, 60, false],
  // The champion's holdout.
  ['h1', 'default', true, 40, true], ['h2', 'default', true, 40, false],
  // The challenger, treated: c1 twice (the miss 45 days ago follows only the first), m1 after it moved.
  ['c1', 'sms_first', false, 50, true], ['c1', 'sms_first', false, 40, false], ['c2', 'sms_first', false, 40, false], ['c3', 'sms_first', false, 40, true],
  ['c4', 'sms_first', false, 50, false], ['c4', 'sms_first', false, 40, false], ['m1', 'sms_first', false, 45, true],
  // The challenger's holdout.
  ['c5', 'sms_first', true, 40, true], ['c6', 'sms_first', true, 40, true], ['c7', 'sms_first', true, 50, true], ['c7', 'sms_first', true, 40, false],
];
// Due dates (days ago) of the missed payments that produce the outcomes above.
const MISSED: [string, number][] = [['d1', 35], ['d4', 35], ['h1', 35], ['c1', 45], ['c3', 35], ['m1', 20], ['c5', 35], ['c6', 35], ['c7', 45]];

async function insert(customer: string, strategy: string, holdout: boolean, daysAgo: number): Promise<void> {
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  await engine.db.pool.query(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at, strategy)
       values ($1, $2, 0.9, $3, null, 'increasing', 'flexible_payment', 'v', $2, $4) returning decision_id)
     insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers,
                                contact_by, holdout, delivery_status, policy_version, strategy)
     select decision_id, $1, $2, 'flexible_payment', 'high', 0.9, 'increasing', '{email}', '{}', $2, $5, 'sent', 'v', $4 from d`,
    [customer, at, holdout ? 'holdout' : 'intervention', strategy, holdout],
  );
}

beforeAll(async () => {
  engine = await startTestEngine({ clock: fixedClock(NOW), web: true, workers: false });
  const put = await engine.api('/strategies/sms_first', { method: 'PUT', json: { weight: 50, policy: { ...DEFAULT_POLICY, version: 'sms-first-1', cooloffDays: 10 } } });
  expect(put.status).toBe(201);
  for (const [customer, strategy, holdout, daysAgo] of ROWS) await insert(customer, strategy, holdout, daysAgo);
  // Still maturing: counted, never in a rate.
  await insert('n1', 'sms_first', false, 10);
  // Decided before strategies existed: in the totals only.
  await insert('old', 'default', false, 40);
  await engine.db.pool.query("update interventions set strategy = null where customer_id = 'old'");
  for (const [customer, daysAgo] of MISSED) {
    await engine.db.pool.query("insert into payments (customer_id, due_date, amount, status) values ($1, $2, 100, 'missed')", [customer, new Date(NOW.getTime() - daysAgo * DAY).toISOString().slice(0, 10)]);
  }
});

afterAll(async () => {
  await engine?.close();
});

const outcomes = (strategy: string, holdout: boolean, group: 'a' | 'b' = 'a'): Outcome[] =>
  ROWS.filter((r) => r[1] === strategy && r[2] === holdout).map(([customer, , , , defaulted]) => ({ customer, group, defaulted }));
const interval = ({ value, se }: { value: number; se: number }) => ({ value, ci_low: value - Z_95 * se, ci_high: value + Z_95 * se });
function expectEstimate(actual: Estimate | null, expected: { value: number; ci_low: number; ci_high: number }): void {
  expect(actual).not.toBeNull();
  expect(actual!.value).toBeCloseTo(expected.value, 12);
  expect(actual!.ci_low).toBeCloseTo(expected.ci_low, 12);
  expect(actual!.ci_high).toBeCloseTo(expected.ci_high, 12);
}

describe('by_strategy', () => {
  let metrics: InterventionMetrics;

  it('counts each strategy\'s treated and held-out interventions, champion first', async () => {
    const res = await engine.api('/intervention_metrics?days=90');
    expect(res.status).toBe(200);
    metrics = (await res.json()) as InterventionMetrics;
    expect(metrics.total_interventions).toBe(16);
    expect(metrics.by_strategy.map((s) => [s.strategy, s.champion, s.active])).toEqual([['default', true, true], ['sms_first', false, true]]);
    expect(metrics.by_strategy[0]).toMatchObject({ total_interventions: 7, matured_interventions: 7, maturing_interventions: 0, defaults_occurred: 3, prevented_defaults: 4, treated_customers: 6, holdout_interventions: 2, holdout_matured: 2, holdout_defaults: 1, holdout_customers: 2 });
    expect(metrics.by_strategy[1]).toMatchObject({ total_interventions: 8, matured_interventions: 7, maturing_interventions: 1, defaults_occurred: 3, treated_customers: 5, holdout_interventions: 4, holdout_matured: 4, holdout_defaults: 3, holdout_customers: 3 });
    expect(metrics.by_strategy[0]!.difference_vs_champion).toBeNull();
  });

  it('gives each default rate and uplift with its customer-clustered interval', () => {
    const [champion, challenger] = metrics.by_strategy;
    // By hand: the challenger's holdout c5 1/1, c6 1/1, c7 1/2 → 3/4, V = (¼² + ¼² + ½²)/4² = 3/128.
    expectEstimate(challenger!.holdout_default_rate, { value: 0.75, ci_low: 0.75 - Z_95 * Math.sqrt(3 / 128), ci_high: 0.75 + Z_95 * Math.sqrt(3 / 128) });
    for (const [figures, strategy] of [[champion!, 'default'], [challenger!, 'sms_first']] as const) {
      expectEstimate(figures.default_rate, interval(referenceRate(outcomes(strategy, false))));
      expectEstimate(figures.holdout_default_rate, interval(referenceRate(outcomes(strategy, true))));
      expectEstimate(figures.uplift_vs_holdout, interval(referenceDifference([...outcomes(strategy, true, 'a'), ...outcomes(strategy, false, 'b')])));
    }
  });

  it('gives the difference from the champion with the covariance of the customer found in both', () => {
    const expected = interval(referenceDifference([...outcomes('default', false, 'a'), ...outcomes('sms_first', false, 'b')]));
    expectEstimate(metrics.by_strategy[1]!.difference_vs_champion, expected);
    // Without m1's covariance the interval would differ: the cross sums reached the figure.
    const disjoint = interval(referenceDifference([...outcomes('default', false, 'a'), ...outcomes('sms_first', false, 'b').map((o) => ({ ...o, customer: `${o.customer}'` }))]));
    expect(Math.abs(disjoint.ci_high - expected.ci_high)).toBeGreaterThan(1e-3);
  });

  it('keeps a retired strategy\'s figures, marked inactive, and stores by_strategy in the snapshots', async () => {
    expect((await engine.api('/strategies/sms_first', { method: 'DELETE' })).status).toBe(200);
    const after = await computeMetrics(engine.db.pool, lastDays(90, NOW), NOW);
    expect(after.by_strategy.map((s) => [s.strategy, s.champion, s.active])).toEqual([['default', true, true], ['sms_first', false, false]]);
    expect(after.by_strategy[1]!.difference_vs_champion).toEqual(metrics.by_strategy[1]!.difference_vs_champion);
    expect(await storeSnapshot(engine.db.pool, NOW, after)).toBe(true);
    const [snapshot] = await listSnapshots(engine.db.pool, 1);
    expect(snapshot!.metrics.by_strategy).toEqual(after.by_strategy);
    const put = await engine.api('/strategies/sms_first', { method: 'PUT', json: { weight: 50, policy: { ...DEFAULT_POLICY, version: 'sms-first-1', cooloffDays: 10 } } });
    expect(put.status).toBe(201);
  });

  it('shows the strategies side by side on the dashboard, with their clustered intervals', async () => {
    // The rows the dashboard's forest plot and its table draw (the page itself: test/e2e/dashboard-pages.test.ts).
    const data = (await (await engine.api('/dashboard/data')).json()) as { tables: { uplift: { rows: { cells: Record<string, string | number | null> }[] } } };
    const strategyRows = data.tables.uplift.rows.filter((row) => row.cells.grouping === 'strategy').map((row) => row.cells);
    expect(strategyRows.map((cells) => [cells.group, cells.treated, cells.holdout])).toEqual(
      metrics.by_strategy.map((s) => [s.champion ? `${s.strategy} (champion)` : s.strategy, s.total_interventions, s.holdout_interventions]),
    );
    expect(strategyRows.map((cells) => cells.group)).toEqual(['default (champion)', 'sms_first']);
    const challenger = metrics.by_strategy[1]!;
    expect(strategyRows[1]).toMatchObject({
      treated_default_rate: challenger.default_rate.value,
      uplift: challenger.uplift_vs_holdout.value,
      ci_low: challenger.uplift_vs_holdout.ci_low,
      ci_high: challenger.uplift_vs_holdout.ci_high,
      vs_champion: challenger.difference_vs_champion!.value,
      vs_champion_ci_low: challenger.difference_vs_champion!.ci_low,
      vs_champion_ci_high: challenger.difference_vs_champion!.ci_high,
    });
    expect(strategyRows[0]!.vs_champion).toBeNull();
  });
});
