// No provider credentials: record what would have been sent, exactly as it would have gone
// out, so that the demo and staging show real outreach with no accounts.
import { insertOutboxMessages } from '../../db/outbox.js';
import type { Channel } from '../../domain/types.js';
import type { LocalTransport, ReadyDelivery } from '../transport.js';

export function outboxTransport<C extends Channel>(channel: C, describe: (ready: ReadyDelivery<C>) => { recipient: string | null; payload: object }): LocalTransport<C> {
  return {
    kind: 'local',
    channel,
    provider: 'outbox',
    settlesAs: 'outbox',
    async write(db, ready, at) {
      await insertOutboxMessages(
        db,
        ready.map((item) => ({ deliveryId: item.work.deliveryId, channel, ...describe(item) })),
        at,
      );
    },
  };
}
