// No provider credentials: record what would have been sent, exactly as it would have gone
// out, so that the demo and staging show real outreach with no accounts.
import type { DeliveryWork } from '../db/deliveries.js';
import type { Channel } from '../domain/types.js';
import { jsonb } from '../db/pool.js';
import type { LocalTransport } from '../delivery/deliver.js';

export function outboxTransport(channel: Channel, describe: (work: DeliveryWork) => { recipient: string | null; payload: object }): LocalTransport {
  return {
    kind: 'local',
    channel,
    provider: 'outbox',
    settlesAs: 'outbox',
    async write(client, works, at) {
      const described = works.map(describe);
      await client.query(
        `insert into outbox_messages (delivery_id, channel, recipient, payload, created_at)
         select *, $5::timestamptz from unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[])
         on conflict (delivery_id) do nothing`,
        [works.map((w) => w.deliveryId), works.map((w) => w.channel), described.map((d) => d.recipient), described.map((d) => jsonb(d.payload)), at],
      );
    },
  };
}
