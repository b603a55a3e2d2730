// The in-app channel: a row in the customer's inbox, readable through the API.
import { insertNotifications } from '../../db/notifications.js';
import type { LocalTransport } from '../transport.js';

export const inboxTransport: LocalTransport<'app_notification'> = {
  kind: 'local',
  channel: 'app_notification',
  provider: 'inbox',
  settlesAs: 'sent',
  async write(db, ready, at) {
    await insertNotifications(
      db,
      ready.map(({ work, message }) => ({ deliveryId: work.deliveryId, interventionId: work.interventionId, interventionDate: work.interventionDate, customerId: work.customer.customerId, message })),
      at,
    );
  },
};
