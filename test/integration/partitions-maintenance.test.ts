// The partitions' maintenance: the coming months created ahead, once whatever the number of
// processes, by the scheduler; rows that waited in a default partition moved into their month;
// RETENTION_MONTHS dropping whole months past it while newer months, interventions and metrics
// snapshots stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintainPartitionsProcessor, MAINTAIN_PARTITIONS_JOB, MAINTAIN_PARTITIONS_JOB_OPTIONS, PARTITION_MAINTENANCE_EVERY_MS } from '../../jobs/maintain-partitions.js';
import { fixedClock } from '../../src/clock.js';
import { createComingPartitions, PARTITIONED_TABLES } from '../../src/db/partitions.js';
import { createPool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';

const logger = createLogger('silent', 'test');
let engine: TestEngine;

async function partitionsOf(table: string): Promise<string[]> {
  const { rows } = await engine.db.pool.query<{ name: string }>(
    'select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass order by 1',
    [table],
  );
  return rows.map((row) => row.name);
}

/**
 * A customer's day of activity at `at`: score, decision, intervention, an email and an in-app
 * delivery, the notification, a provider event. Written directly, as the engine's code would.
 */
async function dayOfActivity(customerId: string, at: Date): Promise<void> {
  await engine.db.pool.query(
    `with s as (
       insert into risk_scores (customer_id, risk_score, score_date) values ($1, 0.7, $2) returning customer_id),
     d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
       values ($1, $2, 0.7, 'intervention', 'increasing', 'flexible_payment', 'test', $2) returning decision_id),
     i as (
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, policy_version)
       select decision_id, $1, $2, 'flexible_payment', 'high', 0.7, 'increasing', '{email,app_notification}', '{}', $2, 'test' from d
       returning intervention_id, intervention_date),
     x as (
       insert into deliveries (intervention_id, intervention_date, customer_id, channel, status)
       select intervention_id, intervention_date, $1, c, 'sent' from i, unnest(array['email', 'app_notification']) as c
       returning delivery_id, intervention_id, intervention_date, channel)
     insert into notifications (delivery_id, intervention_id, intervention_date, customer_id, title, body)
     select delivery_id, intervention_id, intervention_date, $1, 'title', 'body' from x where channel = 'app_notification'`,
    [customerId, at],
  );
  await engine.db.pool.query(
    `insert into delivery_events (provider, event_key, event_type, delivery_id, customer_id, matched, payload, received_at)
     select 'sendgrid', 'sg-' || delivery_id, 'delivered', delivery_id, customer_id, true, '{}', $2 from deliveries where customer_id = $1 and channel = 'email'`,
    [customerId, at],
  );
}

/** Rows of the customer in each partitioned table (scores, decisions, deliveries, notifications, events). */
async function rowsOf(customerId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of PARTITIONED_TABLES) counts[table] = await count(engine, `select 1 from ${table} where customer_id = $1`, [customerId]);
  return counts;
}

beforeAll(async () => {
  engine = await startTestEngine({ workers: false });
});

afterAll(async () => {
  await engine?.close();
});

describe('partitions created ahead', () => {
  it('creates the month and the three after it once, with four processes at the same moment', async () => {
    const pools = [1, 2, 3, 4].map(() => createPool(engine.db.url, 2, createLogger('silent', 'test')));
    try {
      const created = await Promise.all(pools.map((pool) => createComingPartitions(pool, new Date('2028-05-15T12:00:00Z'))));
      const expected = PARTITIONED_TABLES.flatMap((table) => ['202805', '202806', '202807', '202808'].map((month) => `${table}_p${month}`));
      expect(created.flat().sort()).toEqual(expected.sort());
      expect(await createComingPartitions(pools[0]!, new Date('2028-05-15T12:00:00Z'))).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    expect(await partitionsOf('decisions')).toEqual(expect.arrayContaining(['decisions_p202805', 'decisions_p202808', 'decisions_default']));
    // A new month of deliveries keeps room on its pages for status changes, as the default partition does.
    const { rows } = await engine.db.pool.query<{ relname: string; reloptions: string[] | null }>(
      "select relname, reloptions from pg_class where relname in ('deliveries_default', 'deliveries_p202805', 'decisions_p202805') order by relname",
    );
    expect(rows).toEqual([
      { relname: 'decisions_p202805', reloptions: null },
      { relname: 'deliveries_default', reloptions: ['fillfactor=65'] },
      { relname: 'deliveries_p202805', reloptions: ['fillfactor=65'] },
    ]);
  });

  it('moves the rows of a month that waited in the default partition into that month when it is created', async () => {
    await dayOfActivity('EARLY', new Date('2029-03-10T08:00:00Z'));
    expect(await count(engine, "select 1 from decisions_default where customer_id = 'EARLY'")).toBe(1);
    await createComingPartitions(engine.db.pool, new Date('2029-01-20T00:00:00Z'));
    for (const table of PARTITIONED_TABLES) {
      expect(await count(engine, `select 1 from ${table}_default where customer_id = 'EARLY'`), table).toBe(0);
    }
    expect(await rowsOf('EARLY')).toEqual({ risk_scores: 1, decisions: 1, deliveries: 2, notifications: 1, delivery_events: 1 });
    expect(await count(engine, "select 1 from deliveries_p202903 where customer_id = 'EARLY'")).toBe(2);
  });

  it('is scheduled by the workers on the metrics queue, and creates the months of its clock when it runs', async () => {
    const workers = startWorkers(engine.runtime, { clock: fixedClock(new Date('2030-07-04T10:00:00Z')), logger });
    try {
      await waitFor('the maintenance job to create July to October 2030', async () => (await partitionsOf('delivery_events')).includes('delivery_events_p203010'));
    } finally {
      await workers.close();
    }
    const scheduler = await engine.runtime.queues.metrics.getJobScheduler(MAINTAIN_PARTITIONS_JOB);
    expect(scheduler?.every).toBe(PARTITION_MAINTENANCE_EVERY_MS);
    // A run that meets Postgres away waits and tries again.
    expect(scheduler?.template?.opts).toMatchObject(MAINTAIN_PARTITIONS_JOB_OPTIONS);
    for (const table of PARTITIONED_TABLES) expect(await partitionsOf(table), table).toEqual(expect.arrayContaining(['07', '08', '09', '10'].map((m) => `${table}_p2030${m}`)));
  });
});

describe('retention (RETENTION_MONTHS = 25)', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  // 25 months before now is 2024-10-25: September 2024 and earlier are past it as a whole;
  // October 2024 still has days within it.
  const days = {
    AUG24: new Date('2024-08-10T09:00:00Z'),
    SEP24: new Date('2024-09-30T23:00:00Z'),
    OCT24: new Date('2024-10-01T01:00:00Z'),
    NOV25: new Date('2025-11-12T10:00:00Z'),
    NOV26: new Date('2026-11-20T10:00:00Z'),
  };
  let dropped: string[] = [];
  let rejectedEventsDeleted = 0;
  let snapshotsBefore = 0;
  let interventionsBefore = 0;

  beforeAll(async () => {
    for (const at of Object.values(days)) await createComingPartitions(engine.db.pool, at, { monthsAhead: 0 });
    for (const [customerId, at] of Object.entries(days)) await dayOfActivity(customerId, at);
    // Rows in the default partition (months that never had one): one past the retention, one within.
    await dayOfActivity('DEFAULT-OLD', new Date('2023-02-01T00:00:00Z'));
    await dayOfActivity('DEFAULT-NEW', new Date('2025-02-01T00:00:00Z'));
    await engine.db.pool.query(
      `insert into metrics_snapshots (slot, measured_at, period_days, total_interventions, prevented_defaults, defaults_occurred, metrics)
       select at, at, 90, 10, 9, 1, '{}' from unnest(array['2023-06-01T00:00:00Z', '2024-08-15T00:00:00Z', '2026-11-01T00:00:00Z']::timestamptz[]) as at`,
    );
    snapshotsBefore = await count(engine, 'select 1 from metrics_snapshots');
    interventionsBefore = await count(engine, 'select 1 from interventions');
    // Provider events that could not be applied: one received past the retention, one within it.
    await engine.db.pool.query(
      `insert into rejected_provider_events (provider, reason, payload, received_at)
       values ('sendgrid', 'sg_event_id: contains U+0000', '{"event": "spamreport"}', '2024-10-24T12:00:00Z'),
              ('sendgrid', 'sg_event_id: contains U+0000', '{"event": "spamreport"}', '2024-10-26T12:00:00Z')`,
    );
    const maintain = maintainPartitionsProcessor({ pool: engine.db.pool, clock: fixedClock(now), logger, retentionMonths: 25 });
    ({ dropped, rejectedEventsDeleted } = await maintain());
  });

  it('drops the whole months past the retention, for every partitioned table', async () => {
    expect(dropped.sort()).toEqual(PARTITIONED_TABLES.flatMap((table) => [`${table}_p202408`, `${table}_p202409`]).sort());
    for (const table of PARTITIONED_TABLES) {
      const partitions = await partitionsOf(table);
      expect(partitions, table).not.toContain(`${table}_p202409`);
      expect(partitions, table).toEqual(expect.arrayContaining([`${table}_p202410`, `${table}_p202511`, `${table}_p202611`, `${table}_default`]));
    }
    const none = { risk_scores: 0, decisions: 0, deliveries: 0, notifications: 0, delivery_events: 0 };
    expect(await rowsOf('AUG24')).toEqual(none);
    expect(await rowsOf('SEP24')).toEqual(none);
    expect(await rowsOf('DEFAULT-OLD')).toEqual(none);
  });

  it('keeps every row of the months within it', async () => {
    const all = { risk_scores: 1, decisions: 1, deliveries: 2, notifications: 1, delivery_events: 1 };
    for (const customerId of ['OCT24', 'NOV25', 'NOV26', 'DEFAULT-NEW']) expect(await rowsOf(customerId), customerId).toEqual(all);
  });

  it('keeps the metrics snapshots and the interventions, old ones included', async () => {
    expect(await count(engine, 'select 1 from metrics_snapshots')).toBe(snapshotsBefore);
    expect(await count(engine, "select 1 from metrics_snapshots where slot < '2024-10-01'")).toBe(2);
    expect(await count(engine, 'select 1 from interventions')).toBe(interventionsBefore);
    expect(await count(engine, "select 1 from interventions where customer_id in ('AUG24', 'SEP24', 'DEFAULT-OLD')")).toBe(3);
  });

  it('deletes the rejected provider events received before the retention, and only those', async () => {
    expect(rejectedEventsDeleted).toBe(1);
    expect((await engine.db.pool.query<{ received_at: Date }>('select received_at from rejected_provider_events')).rows.map((row) => row.received_at.toISOString())).toEqual(['2024-10-26T12:00:00.000Z']);
  });

  it('drops nothing more when it runs again', async () => {
    const again = await maintainPartitionsProcessor({ pool: engine.db.pool, clock: fixedClock(now), logger, retentionMonths: 25 })();
    expect(again.dropped).toEqual([]);
  });
});
