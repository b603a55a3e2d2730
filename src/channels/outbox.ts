// No provider credentials: record what would have been sent, exactly as it would have gone
// out, so that the demo and staging show real outreach with no accounts.
import type { DeliveryWork } from '../db/deliveries.js';
import { jsonb } from '../db/pool.js';
import type { LocalTransport } from '../delivery/deliver.js';

export function outboxTransport(describe: (work: DeliveryWork) => { recipient: string | null; payload: object }): LocalTransport {
  return {
    kind: 'local',
    provider: 'outbox',
    settlesAs: 'outbox',
    async write(client, work, at) {
      const { recipient, payload } = describe(work);
      await client.query(
        `insert into outbox_messages (delivery_id, channel, recipient, payload, created_at) values ($1, $2, $3, $4, $5)
         on conflict (delivery_id) do nothing`,
        [work.deliveryId, work.channel, recipient, jsonb(payload), at],
      );
    },
  };
}
