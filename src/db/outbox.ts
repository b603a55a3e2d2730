// The outbox: what would have been sent without provider credentials, exactly as it would have
// gone out, once per delivery.
import type { Channel } from '../domain/types.js';
import { jsonb, type Queryable } from './pool.js';

export async function insertOutboxMessages(
  db: Queryable,
  messages: readonly { deliveryId: number; channel: Channel; recipient: string | null; payload: object }[],
  at: Date,
): Promise<void> {
  await db.query(
    `insert into outbox_messages (delivery_id, channel, recipient, payload, created_at)
     select *, $5::timestamptz from unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[])
     on conflict (delivery_id) do nothing`,
    [messages.map((m) => m.deliveryId), messages.map((m) => m.channel), messages.map((m) => m.recipient), messages.map((m) => jsonb(m.payload)), at],
  );
}
