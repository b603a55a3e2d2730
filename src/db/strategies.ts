// The stored strategies and their revision counter. Every change runs in a transaction that
// first locks the counter (lockStrategyRevision), so changes are serialised, and raises it, so
// that evaluations notice the change and reload.
import { policySchema } from '../domain/policy.js';
import type { Strategy } from '../domain/strategies.js';
import { jsonb, type Queryable } from './pool.js';

export interface StoredStrategy extends Strategy {
  createdAt: Date;
  /** when this weight and policy took effect */
  updatedAt: Date;
}

interface StrategyRow {
  name: string;
  weight: number;
  champion: boolean;
  policy: unknown;
  created_at: Date;
  updated_at: Date;
}

// Stored policies were validated on the way in; parsing them again gives them their type, and
// fails loudly should anyone have edited the table by hand.
const fromRow = (row: StrategyRow): StoredStrategy => ({
  name: row.name,
  weight: row.weight,
  champion: row.champion,
  policy: policySchema.parse(row.policy),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const COLUMNS = 'name, weight, champion, policy, created_at, updated_at';
// The champion first, then by name: the order every listing shows.
const ORDER = 'order by champion desc, name';

export async function readStrategyRevision(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ revision: number }>('select revision from strategy_revision');
  return rows[0]?.revision ?? 0;
}

/** The revision and the strategies it stands for, read in one statement (one snapshot). */
export async function loadStrategies(db: Queryable): Promise<{ revision: number; strategies: StoredStrategy[] }> {
  const { rows } = await db.query<{ revision: number; strategies: StrategyRow[] | null }>(
    `select r.revision,
            (select json_agg(json_build_object('name', s.name, 'weight', s.weight, 'champion', s.champion, 'policy', s.policy,
                                               'created_at', s.created_at, 'updated_at', s.updated_at) ${ORDER})
               from strategies s) as strategies
       from strategy_revision r`,
  );
  const row = rows[0];
  const strategies = (row?.strategies ?? []).map((s) => fromRow({ ...s, created_at: new Date(s.created_at), updated_at: new Date(s.updated_at) }));
  return { revision: row?.revision ?? 0, strategies };
}

export async function findStrategy(db: Queryable, name: string): Promise<StoredStrategy | null> {
  const { rows } = await db.query<StrategyRow>(`select ${COLUMNS} from strategies where name = $1`, [name]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Waits for (and holds, until the transaction ends) the right to change the strategies. */
export async function lockStrategyRevision(db: Queryable): Promise<void> {
  await db.query('select revision from strategy_revision for update');
}

export async function raiseStrategyRevision(db: Queryable, at: Date): Promise<number> {
  const { rows } = await db.query<{ revision: number }>('update strategy_revision set revision = revision + 1, changed_at = $1 returning revision', [at]);
  return rows[0]?.revision ?? 0;
}

/** Inserts the strategy, or replaces the weight and policy of the one with its name (keeping its role). */
export async function upsertStrategy(db: Queryable, strategy: Strategy, at: Date): Promise<void> {
  await db.query(
    `insert into strategies (name, weight, champion, policy, policy_version, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $6)
     on conflict (name) do update set weight = excluded.weight, policy = excluded.policy, policy_version = excluded.policy_version,
                                      updated_at = excluded.updated_at`,
    [strategy.name, strategy.weight, strategy.champion, jsonb(strategy.policy), strategy.policy.version, at],
  );
}

/** Makes `name` the champion and the former champion a challenger. */
export async function setChampion(db: Queryable, name: string, at: Date): Promise<void> {
  // Two statements: the unique index on the champion flag allows one at any instant.
  await db.query('update strategies set champion = false, updated_at = $1 where champion', [at]);
  await db.query('update strategies set champion = true, updated_at = $2 where name = $1', [name, at]);
}

export async function deleteStrategy(db: Queryable, name: string): Promise<void> {
  await db.query('delete from strategies where name = $1', [name]);
}
