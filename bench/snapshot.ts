// A metrics snapshot over a large intervention table: the given number of interventions in the
// 90-day window (a twentieth of them holdout, a tenth of their customers with a missed payment),
// each with an email and an SMS delivery, and as many again over the nine months before it, so
// that the deliveries span a year of monthly partitions as they would in production. Timed with
// partition pruning and without it (enable_partition_pruning off), in the same run. A third of
// them are decided by a challenger, so that the per-strategy, per-customer figures are measured too.
import pg from 'pg';
import { computeMetrics } from '../src/db/metrics.js';
import { createComingPartitions } from '../src/db/partitions.js';
import type { Queryable } from '../src/db/pool.js';
import { lastDays } from '../src/domain/metrics-filter.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { count, DAY, type Report } from './support.js';

async function timeSnapshot(db: Queryable, at: Date): Promise<number> {
  const t = performance.now();
  await computeMetrics(db, lastDays(90, at), at);
  return (performance.now() - t) / 1000;
}

export async function benchSnapshot(runtime: Runtime, report: Report, interventionCount: number, rounds: number): Promise<void> {
  const now = new Date();
  // The year's partitions, as the scheduler would have created them month after month.
  await createComingPartitions(runtime.pool, new Date(now.getTime() - 365 * DAY), { monthsAhead: 12 });
  // Interventions n = 1..count fall in the window (n % 90 days ago); n = count+1..2*count spread
  // over the 270 days before it.
  await runtime.pool.query(
    `with d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at, strategy)
       select 'S' || n, at, 0.7, case when n % 20 = 0 then 'holdout' else 'intervention' end, 'increasing',
              (array['payment_assistance','flexible_payment','payment_reminder','financial_wellness'])[1 + n % 4], 'bench', at,
              case when n % 3 = 0 then 'bench_challenger' else 'default' end
         from generate_series(1, 2 * $1::int) as n,
              lateral (select $2::timestamptz - case when n <= $1 then (n % 90) * interval '1 day' else (90 + n % 270) * interval '1 day' end as at) as t
       returning decision_id, customer_id, outcome, intervention_type, decided_at, strategy),
     i as (
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, holdout, policy_version, strategy)
       select decision_id, customer_id, decided_at, intervention_type, 'high', 0.7, 'increasing', '{email,sms}', '{}', decided_at, outcome = 'holdout', 'bench', strategy from d
       returning intervention_id, intervention_date, customer_id, holdout)
     insert into deliveries (intervention_id, intervention_date, customer_id, channel, status)
     select intervention_id, intervention_date, customer_id, c, case when intervention_id % 7 = 0 then 'failed' else 'delivered' end
       from i, unnest(array['email', 'sms']) as c where not holdout`,
    [interventionCount, now],
  );
  await runtime.pool.query(
    `insert into payments (customer_id, due_date, amount, status)
     select 'S' || n, (now() - (n % 90) * interval '1 day' + interval '10 days')::date, 100, 'missed' from generate_series(1, $1::int, 10) as n`,
    [interventionCount],
  );
  await runtime.pool.query('analyze interventions, payments, deliveries');
  const inWindow = await count(runtime.pool, "select 1 from interventions where intervention_date > $1::timestamptz - interval '90 days'", [now]);

  // computeMetrics runs its queries side by side, so the unpruned figure needs a pool of its own
  // whose sessions all have pruning off, and JIT off as the engine's own sessions have
  // (createPool): with it on, the figure would time JIT's compiling too (about 4 s here).
  const unpruned = new pg.Pool({ connectionString: runtime.config.databaseUrl, max: 4, options: '-c jit=off -c enable_partition_pruning=off' });
  try {
    // A first snapshot of each kind warms the cache; the best of the rounds after it is reported.
    await timeSnapshot(runtime.pool, now);
    await timeSnapshot(unpruned, now);
    const pruned: number[] = [];
    const scanned: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      pruned.push(await timeSnapshot(runtime.pool, now));
      scanned.push(await timeSnapshot(unpruned, now));
    }
    report(`snapshot_over_${inWindow}_interventions_seconds`, Math.min(...pruned), 's (goal <= 2 at 1M)');
    report(`snapshot_over_${inWindow}_interventions_without_pruning_seconds`, Math.min(...scanned), 's (goal <= 10 at 1M)');
    report('snapshot_ratio_without_to_with_pruning', Math.min(...scanned) / Math.min(...pruned), 'x');
  } finally {
    await unpruned.end();
  }
}
