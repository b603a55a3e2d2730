// A metrics snapshot over a large intervention table: interventions spread over 90 days, a
// twentieth of them holdout, a tenth of their customers with a missed payment.
import { computeMetrics } from '../src/db/metrics.js';
import { lastDays } from '../src/domain/metrics-filter.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { count, type Report } from './support.js';

export async function benchSnapshot(runtime: Runtime, report: Report, interventionCount: number): Promise<void> {
  await runtime.pool.query(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
       select 'S' || n, $2::timestamptz - (n % 90) * interval '1 day', 0.7, case when n % 20 = 0 then 'holdout' else 'intervention' end, 'increasing',
              (array['payment_assistance','flexible_payment','payment_reminder','financial_wellness'])[1 + n % 4], 'bench', $2::timestamptz - (n % 90) * interval '1 day'
         from generate_series(1, $1::int) as n
       returning decision_id, customer_id, outcome, intervention_type, decided_at)
     insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, holdout, policy_version)
     select decision_id, customer_id, decided_at, intervention_type, 'high', 0.7, 'increasing', '{email}', '{}', decided_at, outcome = 'holdout', 'bench' from d`,
    [interventionCount, new Date()],
  );
  await runtime.pool.query(
    `insert into payments (customer_id, due_date, amount, status)
     select 'S' || n, (now() - (n % 90) * interval '1 day' + interval '10 days')::date, 100, 'missed' from generate_series(1, $1::int, 10) as n`,
    [interventionCount],
  );
  await runtime.pool.query('analyze interventions; analyze payments; analyze deliveries');
  const interventions = await count(runtime.pool, 'select 1 from interventions');
  const t = performance.now();
  const now = new Date();
  await computeMetrics(runtime.pool, lastDays(90, now), now);
  report(`snapshot_over_${interventions}_interventions_seconds`, (performance.now() - t) / 1000, 's');
}
