// Secrets that every process must agree on, generated once and kept in the database when
// the operator has not configured them.
import { randomBytes } from 'node:crypto';
import type { Queryable } from './pool.js';

export async function getOrCreateSecret(db: Queryable, name: string): Promise<string> {
  await db.query('insert into engine_secrets (name, value) values ($1, $2) on conflict (name) do nothing', [
    name,
    randomBytes(32).toString('base64url'),
  ]);
  const { rows } = await db.query<{ value: string }>('select value from engine_secrets where name = $1', [name]);
  const value = rows[0]?.value;
  if (!value) throw new Error(`secret ${name} could not be stored`);
  return value;
}
