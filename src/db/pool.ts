// The Postgres pool, and the few helpers every table module shares.
import pg from 'pg';
import { InputError, errorMessage, toError } from '../errors.js';
import type { Logger } from '../logger.js';

// bigint ids fit comfortably in a JS number (2^53); counts from count(*) are int8 too.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export function createPool(databaseUrl: string, max: number, logger: Pick<Logger, 'warn'>): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000 });
  // A dropped idle connection (Postgres restarted, a network cut) must not crash the process:
  // the pool replaces it. It is worth a line in the log, since it usually comes with an outage.
  pool.on('error', (error) => logger.warn({ err: errorMessage(error) }, 'an idle PostgreSQL connection dropped'));
  return pool;
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

// PostgreSQL cannot store the NUL character in text, nor \u0000 in jsonb; anything from outside
// (a reply's text, a provider's event, a batch's explanation) has it replaced rather than
// failing the whole write.
// eslint-disable-next-line no-control-regex -- the NUL character is what this matches
const NUL = /\u0000/g;
const ESCAPED_NUL = /\\u0000/g;

/** Text for a text column. */
export function storableText(text: string): string {
  return text.replace(NUL, '\ufffd');
}

/** A value for a jsonb parameter. */
export function jsonb(value: unknown): string {
  return JSON.stringify(value).replace(ESCAPED_NUL, '\\ufffd');
}
