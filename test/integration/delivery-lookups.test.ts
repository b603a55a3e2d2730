// A delivery job's lookups and updates by delivery id probe an index, even in a month's partition
// that has filled since its last ANALYZE (or was never analysed: a server without autovacuum):
// each partition of deliveries has a unique index on delivery_id, from the migrations and from
// the partitions' maintenance alike. Without it the planner guesses 0.5% of the partition per id
// and reads the whole month for a job's few ids.
// A delivery's status changes, and its intervention's delivery status, are mostly heap-only
// updates: no index is on a column they change, and the tables leave room on their pages.
// A provider's batch of events is looked up without parallel workers, whose start costs more
// than the lookup. A job that carries its deliveries' months is looked up in those months'
// partitions alone.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeliveries, loadDeliveryWorks, recordAttempts, refreshInterventionDeliveryStatuses } from '../../src/db/deliveries.js';
import { createComingPartitions } from '../../src/db/partitions.js';
import { findDeliveryRefs } from '../../src/db/events.js';
import { createPool, withoutParallelWorkers, type Pool } from '../../src/db/pool.js';
import { insertEmailDeliveries } from '../../src/db/portfolio.js';
import { monthsHolding } from '../../src/domain/months.js';
import { createLogger } from '../../src/logger.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { explaining, partitionsRead, planNodes, type PlanNode } from '../support/explain.js';

const MONTH = new Date('2027-03-10T09:00:00Z');
let engine: TestEngine;
let db: TestEngine['db'];
let ids: number[] = [];

beforeAll(async () => {
  engine = await startTestEngine({ workers: false });
  db = engine.db;
  await createComingPartitions(db.pool, new Date('2027-01-05T00:00:00Z'), { monthsAhead: 5 });
  // 20,000 email deliveries in March 2027, not analysed.
  const all = await insertEmailDeliveries(db.pool, { count: 20_000, customerPrefix: 'L', at: MONTH, status: 'pending' });
  ids = all.slice(10_000, 10_050);
});

afterAll(async () => {
  await engine?.close();
});

/** The partitions of deliveries that a plan reads whole. */
const scannedWhole = (plans: readonly PlanNode[]) =>
  planNodes(plans).flatMap((node) => (node['Node Type'].includes('Seq Scan') && node['Relation Name']?.startsWith('deliveries_') ? [node['Relation Name']] : []));

describe('looking deliveries up by id', () => {
  it('gives every partition of deliveries, old and new, a unique index on delivery_id', async () => {
    const { rows } = await db.pool.query<{ partition: string; indexed: boolean }>(
      `select c.relname as partition,
              exists (select from pg_indexes x where x.tablename = c.relname and x.indexdef like 'CREATE UNIQUE INDEX % (delivery_id)') as indexed
         from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'deliveries'::regclass`,
    );
    expect(rows.map((row) => row.partition)).toEqual(expect.arrayContaining(['deliveries_default', 'deliveries_p202701', 'deliveries_p202703', 'deliveries_p202706']));
    expect(rows.filter((row) => !row.indexed)).toEqual([]);
  });

  it("loads, claims and records a job's deliveries without reading the month, and claims and records them in their month's partition alone", async () => {
    const plans: PlanNode[] = [];
    const traced = explaining(db.pool, plans);
    const works = await loadDeliveryWorks(traced, ids, 'email', null, engine.runtime.addressKey);
    expect(works.map((work) => work.deliveryId)).toEqual(ids);
    const months = monthsHolding(works.map((work) => work.interventionDate));
    const lookups = plans.length;
    expect(await claimDeliveries(traced, ids, months, MONTH)).toEqual(new Set(ids));
    await recordAttempts(traced, ids.map((deliveryId) => ({ deliveryId, status: 'sent', providerMessageId: `m${deliveryId}` })), months, 'sendgrid', MONTH);
    expect(plans.length).toBeGreaterThanOrEqual(3);
    expect(scannedWhole(plans)).not.toContain('deliveries_p202703');
    // Every month from December 2026 to June 2027 has a partition, and there is the default one: the updates are planned over March's alone.
    expect(partitionsRead(plans.slice(lookups))).toEqual({ deliveries: ['deliveries_p202703'] });
    const { rows } = await db.pool.query<{ n: number }>("select count(*)::int as n from deliveries where delivery_id = any($1) and status = 'sent'", [ids]);
    expect(rows[0]!.n).toBe(ids.length);
  });

  it("looks a job's deliveries up in the months it carries alone, and finds one outside them all the same", async () => {
    const plans: PlanNode[] = [];
    const works = await loadDeliveryWorks(explaining(db.pool, plans), ids, 'email', monthsHolding([MONTH]), engine.runtime.addressKey);
    expect(works.map((work) => work.deliveryId)).toEqual(ids);
    expect(partitionsRead(plans)).toEqual({ deliveries: ['deliveries_p202703'] });
    // Months that do not hold them (a job's months narrow the plan, never the deliveries): the
    // lookup in April finds none, and the second one, over every month, finds them all.
    const elsewhere: PlanNode[] = [];
    const found = await loadDeliveryWorks(explaining(db.pool, elsewhere), ids, 'email', monthsHolding([new Date('2027-04-10T00:00:00Z')]), engine.runtime.addressKey);
    expect(found).toEqual(works);
    expect(partitionsRead(elsewhere).deliveries).toEqual(expect.arrayContaining(['deliveries_default', 'deliveries_p202701', 'deliveries_p202703', 'deliveries_p202704', 'deliveries_p202706']));
  });

  it("looks a provider's batch of deliveries up without parallel workers, where the planner would start some", async () => {
    // Parallel plans made cheap, as a month of millions of deliveries makes them for a batch of 1,000.
    const eager = new pg.Pool({
      connectionString: db.url,
      max: 1,
      options: '-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c min_parallel_index_scan_size=0',
    });
    try {
      const batch = ids.slice(0, 40);
      const gathers = (plans: readonly PlanNode[]) => planNodes(plans).filter((node) => node['Node Type'].startsWith('Gather')).length;
      const eagerPlans: PlanNode[] = [];
      const eagerly = await findDeliveryRefs(explaining(eager, eagerPlans), batch);
      const serialPlans: PlanNode[] = [];
      const serially = await withoutParallelWorkers(eager, (client) => findDeliveryRefs(explaining(client, serialPlans), batch));
      expect(gathers(eagerPlans)).toBeGreaterThan(0);
      expect(gathers(serialPlans)).toBe(0);
      expect([...serially.keys()].sort((a, b) => a - b)).toEqual(batch);
      expect(serially).toEqual(eagerly);
      // The setting was the transaction's alone: the connection went back to the pool as it was.
      const { rows } = await eager.query<{ workers: string }>('select current_setting(\'max_parallel_workers_per_gather\') as workers');
      expect(rows[0]!.workers).not.toBe('0');
    } finally {
      await eager.end();
    }
  });

  it('claims a job\'s deliveries and records their outcomes mostly as heap-only updates, which write no index entries', async () => {
    // A month of its own, so that no other session's updates are counted.
    const month = new Date('2027-05-10T09:00:00Z');
    const job = (await insertEmailDeliveries(db.pool, { count: 2_000, customerPrefix: 'H', at: month, status: 'pending' })).slice(1_000, 1_100).filter((_, n) => n % 2 === 0);
    const updates = await countingUpdates('deliveries_p202705', async (pool) => {
      expect(await claimDeliveries(pool, job, monthsHolding([month]), month)).toEqual(new Set(job));
      await recordAttempts(pool, job.map((deliveryId) => ({ deliveryId, status: 'sent', providerMessageId: `m${deliveryId}` })), monthsHolding([month]), 'sendgrid', month);
    });
    expect(updates.all).toBe(2 * job.length);
    // Heap-only needs room on the row's page: how many find it depends on the fillfactor and
    // on how many of a page's rows the job holds (here half, as when an evaluation's
    // deliveries alternate two channels). An index on a column the updates change, such as
    // the status, makes none heap-only.
    expect(updates.hot).toBeGreaterThan(updates.all / 2);
  });

  it('refreshes the delivery status of a job\'s interventions mostly as heap-only updates', async () => {
    const month = new Date('2027-06-10T09:00:00Z');
    const job = (await insertEmailDeliveries(db.pool, { count: 2_000, customerPrefix: 'R', at: month, status: 'sent' })).slice(1_000, 1_050);
    const { rows } = await db.pool.query<{ intervention_id: number }>('select intervention_id from deliveries where delivery_id = any($1) order by 1', [job]);
    const interventionIds = rows.map((row) => row.intervention_id);
    // Each intervention is refreshed as each of its channels' jobs settles: twice here.
    const updates = await countingUpdates('interventions', async (pool) => {
      await refreshInterventionDeliveryStatuses(pool, interventionIds, month);
      await refreshInterventionDeliveryStatuses(pool, interventionIds, month);
    });
    expect(updates.all).toBe(2 * interventionIds.length);
    // On full pages (no fillfactor) none was: the updated versions went to other pages.
    expect(updates.hot).toBeGreaterThan(updates.all / 2);
  });
});

/**
 * The updates `work` made to `table`, and how many of them were heap-only, from the table's
 * statistics. One connection, so that its statistics are flushed (pg_stat_force_next_flush)
 * before they are read; the caller makes sure no other session updates the table meanwhile.
 */
async function countingUpdates(table: string, work: (pool: Pool) => Promise<void>): Promise<{ all: number; hot: number }> {
  const pool = createPool(db.url, 1, createLogger('silent', 'test'));
  const read = async () => {
    await pool.query('select pg_stat_force_next_flush()');
    const { rows } = await pool.query<{ all: number; hot: number }>('select n_tup_upd::int as all, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = $1', [table]);
    return rows[0]!;
  };
  try {
    const before = await read();
    await work(pool);
    const after = await read();
    return { all: after.all - before.all, hot: after.hot - before.hot };
  } finally {
    await pool.end();
  }
}
