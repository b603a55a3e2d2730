// Provider events the engine could not apply, kept with why (rejected_provider_events).
import { jsonb, storableText, type Queryable } from './pool.js';

export interface RejectedEvent {
  reason: string;
  /** the event as received, or null when it cannot be stored (nested too deep) */
  payload: unknown;
}

export async function recordRejectedEvents(db: Queryable, provider: 'sendgrid' | 'twilio', events: readonly RejectedEvent[], at: Date): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `insert into rejected_provider_events (provider, reason, payload, received_at)
     select $1, r, p, $4 from unnest($2::text[], $3::jsonb[]) with ordinality as u(r, p, n) order by n`,
    [provider, events.map((e) => storableText(e.reason)), events.map((e) => (e.payload === null ? null : jsonb(e.payload))), at],
  );
}

/** Deletes the rejected events received more than `retentionMonths` before `at`; returns how many. */
export async function deleteExpiredRejectedEvents(db: Queryable, at: Date, retentionMonths: number): Promise<number> {
  const { rowCount } = await db.query(
    "delete from rejected_provider_events where received_at < ($1::timestamptz at time zone 'UTC' - make_interval(months => $2)) at time zone 'UTC'",
    [at, retentionMonths],
  );
  return rowCount ?? 0;
}
