// Monthly partitions of the high-volume tables (see the monthly-partitions migration): the
// coming months' partitions created ahead of time, the months past retention dropped whole,
// and the date bounds that let a query read only the months it needs.
import { earliestAndLatest } from '../domain/months.js';
import type { ScoreRef } from '../queues/names.js';
import { withTransaction, type Pool } from './pool.js';

/** The engine's partitioned tables; risk_scores only when the engine created it. */
export const PARTITIONED_TABLES = ['risk_scores', 'decisions', 'deliveries', 'notifications', 'delivery_events'] as const;

/**
 * The partitioned tables looked up by their id alone, and that id: each of their partitions gets
 * a unique index on it (engine_index_partition_ids, in the delivery-id-per-partition migration),
 * without which the planner reads a whole month for a few ids until the partition is analysed.
 */
const LOOKED_UP_BY_ID = new Map([['deliveries', 'delivery_id']]);

/**
 * Months created ahead of the current one. The scheduler runs every day, so a month's partition
 * exists about three months before its first row, and a stopped scheduler has that long to
 * come back before rows wait in the default partition.
 */
export const MONTHS_AHEAD = 3;

/**
 * How long the scheduled maintenance waits for a table lock. Attaching or dropping a partition
 * waits for the queries reading the table, and every query that comes after waits behind it; a
 * short wait, then the job's retry, keeps the tables' traffic flowing in the meantime.
 */
const LOCK_TIMEOUT = '5s';

/** The tables of PARTITIONED_TABLES that are partitioned in this database. */
export async function partitionedTables(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `select t.name from unnest($1::text[]) with ordinality as t(name, n)
      where exists (select from pg_partitioned_table p where p.partrelid = to_regclass(t.name))
      order by t.n`,
    [PARTITIONED_TABLES],
  );
  return rows.map((row) => row.name);
}

/**
 * Creates the partitions of the month of `at` and of the `monthsAhead` months after it, for every
 * partitioned table, unless they exist; returns the names created. Idempotent, and safe with
 * several processes at once (the database function serialises them). With `waitForLocks`
 * (start-up), it waits as long as it takes instead of giving up after LOCK_TIMEOUT.
 */
export async function createComingPartitions(pool: Pool, at: Date, options: { monthsAhead?: number; waitForLocks?: boolean } = {}): Promise<string[]> {
  const created: string[] = [];
  for (const table of await partitionedTables(pool)) {
    const names = await withTransaction(pool, async (client) => {
      if (!options.waitForLocks) await client.query("select set_config('lock_timeout', $1, true)", [LOCK_TIMEOUT]);
      const { rows } = await client.query<{ name: string | null }>(
        `select engine_create_month_partition($1::regclass, (date_trunc('month', $2::timestamptz at time zone 'UTC') + n * interval '1 month')::date) as name
           from generate_series(0, $3::int) as n order by n`,
        [table, at, options.monthsAhead ?? MONTHS_AHEAD],
      );
      const idColumn = LOOKED_UP_BY_ID.get(table);
      if (idColumn) await client.query('select engine_index_partition_ids($1::regclass, $2)', [table, idColumn]);
      return rows.flatMap((row) => (row.name ? [row.name] : []));
    });
    created.push(...names);
  }
  return created;
}

/**
 * Drops, for every partitioned table, the months all of whose rows are older than
 * `retentionMonths` before `at` (and such rows from the default partitions); returns the names
 * dropped. A month is dropped once its last day is past the retention, never earlier.
 */
export async function dropExpiredPartitions(pool: Pool, at: Date, retentionMonths: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const table of await partitionedTables(pool)) {
    const names = await withTransaction(pool, async (client) => {
      await client.query("select set_config('lock_timeout', $1, true)", [LOCK_TIMEOUT]);
      const { rows } = await client.query<{ name: string }>(
        `select engine_drop_partitions_before($1::regclass, ($2::timestamptz at time zone 'UTC' - make_interval(months => $3)) at time zone 'UTC') as name`,
        [table, at, retentionMonths],
      );
      return rows.map((row) => row.name);
    });
    dropped.push(...names);
  }
  return dropped;
}

/** The earliest and latest score dates of `refs`: bounds that let a query prune partitions. */
export function scoreDateRange(refs: readonly ScoreRef[]): [Date, Date] {
  if (refs.length === 0) throw new Error('scoreDateRange needs at least one score');
  return earliestAndLatest(refs.map((ref) => Date.parse(ref.scoreDate)));
}
