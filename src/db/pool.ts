// The Postgres pool, and the few helpers every table module shares.
import pg from 'pg';
import { replaceInvalidCodePoints, storableJsonText } from '../domain/outside-text.js';
import { InputError, errorMessage, toError } from '../errors.js';
import type { Logger } from '../logger.js';

// bigint ids fit comfortably in a JS number (2^53); counts from count(*) are int8 too.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export function createPool(databaseUrl: string, max: number, logger: Pick<Logger, 'warn'>): pg.Pool {
  // JIT compilation off for the engine's sessions: the metrics snapshot over a million
  // interventions spent more compiling (inlining and optimising, about a second of its five)
  // than it saved; deciding measured the same either way. `options` in DATABASE_URL wins.
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000, options: '-c jit=off' });
  // A dropped idle connection (Postgres restarted, a network cut) must not crash the process:
  // the pool replaces it. It is worth a line in the log, since it usually comes with an outage.
  pool.on('error', (error) => logger.warn({ err: errorMessage(error) }, 'an idle PostgreSQL connection dropped'));
  return pool;
}

/**
 * Whether PostgreSQL refused a statement for a value in it (a data exception such as a bad
 * encoding or an out-of-range number, a constraint, a program limit such as a too-deep jsonb),
 * rather than for the connection or the server: the same statement without that value would succeed.
 */
export function isRefusedValue(error: unknown): boolean {
  return error instanceof pg.DatabaseError && /^(22|23|54)/.test(error.code ?? '');
}

/** Resolves when the database answers a query. */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('select 1');
}

// A client checked out of the pool emits 'error' when its connection drops (Postgres restarted,
// a network cut); with no listener that would crash the process. The query in flight rejects
// with the same error, which is what the caller handles.
const ignoreConnectionError = () => undefined;

export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  client.on('error', ignoreConnectionError);
  let failure: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    // An error the server answered (a constraint, a bad value) or a client's mistake leaves the
    // connection sound; anything else may have broken it, and the pool then discards it.
    if (!(error instanceof pg.DatabaseError) && !(error instanceof InputError)) failure = toError(error);
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.removeListener('error', ignoreConnectionError);
    client.release(failure);
  }
}

/**
 * Runs `work` in a transaction whose statements PostgreSQL plans without parallel workers. For a
 * lookup of a batch's rows by key (a provider's 1,000 events), the planner chooses a parallel
 * plan once a month's partition is large, and starting the workers costs far more than the
 * lookup: 1,000 ids among 190,000 deliveries took 105 ms in parallel against 7 ms without (the
 * SendGrid webhook's lookup, on 2 cores; `npm run bench -- --stage webhook` meets such tables).
 * The analytical queries keep their workers.
 */
export async function withoutParallelWorkers<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query('set local max_parallel_workers_per_gather = 0');
    return work(client);
  });
}

// PostgreSQL cannot store the NUL character in text, nor NUL or an unpaired surrogate in jsonb;
// anything from outside that is kept as free text (a reply, a provider's event, a batch's
// explanation) has them replaced rather than failing the whole write (src/domain/outside-text.ts).

/** Text for a text column. */
export function storableText(text: string): string {
  return replaceInvalidCodePoints(text);
}

/** A value for a jsonb parameter. */
export function jsonb(value: unknown): string {
  return storableJsonText(JSON.stringify(value));
}
