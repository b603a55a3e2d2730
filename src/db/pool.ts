// The Postgres pool, and the few helpers every table module shares.
import pg from 'pg';

// bigint ids fit comfortably in a JS number (2^53); counts from count(*) are int8 too.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000 });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// PostgreSQL cannot store the NUL character in text, nor \u0000 in jsonb; anything from outside
// (a reply's text, a provider's event, a batch's explanation) has it replaced rather than
// failing the whole write.
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
