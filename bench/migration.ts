// The monthly-partitions migration on a database filled under the schema before it: a year of
// scores and decisions (one per score), an intervention for one in ten with an email and an
// in-app delivery, the notification and a provider event per delivery. Reports the seconds per
// million rows it copies, the figure an operator plans the migration's downtime with.
import { migrate } from '../src/db/migrate.js';
import { PARTITIONED_TABLES } from '../src/db/partitions.js';
import { createPool } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import type { Report } from './support.js';

/** The migration that partitions the tables (1764001000000_monthly-partitions). */
const PARTITIONS_MIGRATION = 1764001000000;

export async function benchPartitionMigration(databaseUrl: string, report: Report, scores: number): Promise<void> {
  await migrate(databaseUrl, { upTo: PARTITIONS_MIGRATION - 1 });
  const pool = createPool(databaseUrl, 2, createLogger('warn', 'bench', process.stderr));
  try {
    // Score n belongs to customer n / 365 on day n % 365 of the year before now.
    await pool.query(
      `insert into risk_scores (customer_id, risk_score, score_date)
       select 'M' || (n / 365), (n % 100) / 100.0, date_trunc('day', now()) - (n % 365) * interval '1 day' from generate_series(0, $1::int - 1) as n`,
      [scores],
    );
    await pool.query(
      `insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
       select customer_id, score_date, risk_score, case when score_id % 10 = 0 then 'intervention' else 'no_intervention' end, 'increasing',
              case when score_id % 10 = 0 then 'flexible_payment' end, 'bench', score_date + interval '6 hours'
         from risk_scores`,
    );
    await pool.query(
      `with i as (
         insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, policy_version)
         select decision_id, customer_id, decided_at, intervention_type, 'high', risk_score, trend, '{email,app_notification}', '{}', decided_at + interval '5 days', 'bench'
           from decisions where outcome = 'intervention'
         returning intervention_id, intervention_date, customer_id),
       d as (
         insert into deliveries (intervention_id, customer_id, channel, status, provider, created_at)
         select intervention_id, customer_id, c, 'sent', 'bench', intervention_date from i, unnest(array['email', 'app_notification']) as c
         returning delivery_id, intervention_id, customer_id, channel, created_at)
       insert into notifications (delivery_id, intervention_id, customer_id, title, body, created_at)
       select delivery_id, intervention_id, customer_id, 'A plan that fits', 'Hello', created_at from d where channel = 'app_notification'`,
    );
    await pool.query(
      `insert into delivery_events (provider, event_key, event_type, delivery_id, customer_id, matched, payload, received_at)
       select 'sendgrid', 'sg-' || delivery_id, 'delivered', delivery_id, customer_id, true, '{"event": "delivered"}', created_at + interval '1 minute' from deliveries`,
    );
    await pool.query('vacuum analyze');
    let rows = 0;
    for (const table of PARTITIONED_TABLES) rows += Number((await pool.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n);

    const t = performance.now();
    await migrate(databaseUrl);
    const seconds = (performance.now() - t) / 1000;
    report(`partition_migration_${rows}_rows_seconds`, seconds, 's');
    report('partition_migration_seconds_per_million_rows', seconds / (rows / 1_000_000), 's');
  } finally {
    await pool.end();
  }
}
