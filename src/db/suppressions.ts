// Who must not be contacted on a channel. Adding is idempotent; lifting (START) removes it.
import type { Channel } from '../domain/types.js';
import type { Queryable } from './pool.js';

export async function addSuppression(db: Queryable, customerId: string, channel: Channel, reason: string, source: string, at: Date): Promise<void> {
  await db.query(
    `insert into suppressions (customer_id, channel, reason, source, created_at) values ($1, $2, $3, $4, $5)
     on conflict (customer_id, channel) do nothing`,
    [customerId, channel, reason, source, at],
  );
}

export async function liftSuppression(db: Queryable, customerId: string, channel: Channel): Promise<boolean> {
  const { rowCount } = await db.query('delete from suppressions where customer_id = $1 and channel = $2', [customerId, channel]);
  return rowCount === 1;
}
