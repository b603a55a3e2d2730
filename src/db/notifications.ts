// The in-app inbox: a row per app delivery, written in the delivery's own transaction (so it
// exists exactly once), and the reads the API serves.
import type { AppNotification } from '../messages/schema.js';
import type { Queryable } from './pool.js';

/** In-app notifications for app deliveries, once per delivery. */
export async function insertNotifications(
  db: Queryable,
  notifications: readonly { deliveryId: number; interventionId: number; interventionDate: Date; customerId: string; message: AppNotification }[],
  at: Date,
): Promise<void> {
  await db.query(
    `insert into notifications (delivery_id, intervention_id, intervention_date, customer_id, title, body, action_label, action_url, created_at)
     select *, $9::timestamptz from unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
     on conflict (delivery_id, intervention_date) do nothing`,
    [
      notifications.map((n) => n.deliveryId),
      notifications.map((n) => n.interventionId),
      notifications.map((n) => n.interventionDate),
      notifications.map((n) => n.customerId),
      notifications.map((n) => n.message.title),
      notifications.map((n) => n.message.body),
      notifications.map((n) => n.message.action.label),
      notifications.map((n) => n.message.action.url),
      at,
    ],
  );
}

export interface NotificationView {
  notification_id: number;
  intervention_id: number;
  title: string;
  body: string;
  action_label: string | null;
  action_url: string | null;
  created_at: Date;
  read_at: Date | null;
}

export async function listNotifications(db: Queryable, customerId: string, options: { unreadOnly: boolean; limit: number }): Promise<NotificationView[]> {
  const { rows } = await db.query<NotificationView>(
    `select notification_id, intervention_id, title, body, action_label, action_url, created_at, read_at
       from notifications where customer_id = $1 and ($2::boolean is false or read_at is null)
      order by created_at desc, notification_id desc limit $3`,
    [customerId, options.unreadOnly, options.limit],
  );
  return rows;
}

/** Marks one of the customer's notifications read (once: the first read time is kept); `newlyRead` says whether this call did. */
export async function markNotificationRead(db: Queryable, customerId: string, notificationId: number, at: Date): Promise<{ notification: NotificationView; newlyRead: boolean } | null> {
  const { rowCount } = await db.query('update notifications set read_at = $3 where customer_id = $1 and notification_id = $2 and read_at is null', [customerId, notificationId, at]);
  const { rows } = await db.query<NotificationView>(
    `select notification_id, intervention_id, title, body, action_label, action_url, created_at, read_at
       from notifications where customer_id = $1 and notification_id = $2`,
    [customerId, notificationId],
  );
  return rows[0] ? { notification: rows[0], newlyRead: rowCount === 1 } : null;
}
