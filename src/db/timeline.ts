// Everything that happened to one customer, newest first, a page at a time: scores, decisions,
// interventions, deliveries, the providers' events and the customer's replies, responses,
// suppressions (the customer's own and those of the addresses they have now), changes of their
// choices, and erasures. One statement: each source gives its newest rows before the cursor (each
// is read through an index on customer_id), and the union is sorted and cut to the page.
import type { Queryable } from './pool.js';

export const TIMELINE_KINDS = [
  'score',
  'decision',
  'intervention',
  'delivery',
  'delivery_event',
  'response',
  'suppression',
  'preference_change',
  'erasure',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  kind: TimelineKind;
  /** the row's id in its own table (the customer's id for an erasure) */
  id: number | string;
  at: Date;
  detail: Record<string, unknown>;
}

/** Where a page starts: strictly before this entry in the timeline's order (time, kind, id). */
export interface TimelineCursor {
  /** an instant to the microsecond, as Postgres keeps it */
  at: string;
  rank: number;
  id: number;
}

export interface TimelinePage {
  entries: TimelineEntry[];
  /** the cursor of the next (older) page, or null when this page reaches the beginning */
  next: TimelineCursor | null;
}

// A decision and an intervention are shown with all their columns (to_jsonb), so that a column
// added to them (the strategy a decision followed) appears here without a change; the rendered
// messages, which are long and personal, are left to GET /interventions/:id.
const TIMELINE_SQL = `
  with entries as (
    (select 'score' as kind, 1 as rank, s.score_id::text as id, s.score_id as seq, s.score_date as at,
            jsonb_build_object('risk_score', s.risk_score, 'risk_level', s.risk_level, 'explanation', s.explanation, 'batch_id', s.batch_id) as detail
       from risk_scores s
      where s.customer_id = $1 and (s.score_date, 1, s.score_id) < ($2::timestamptz, $3::int, $4::bigint)
      order by s.score_date desc, s.score_id desc limit $5)
    union all
    (select 'decision', 2, d.decision_id::text, d.decision_id, d.decided_at, to_jsonb(d) - 'customer_id'
       from decisions d
      where d.customer_id = $1 and (d.decided_at, 2, d.decision_id) < ($2, $3, $4)
      order by d.decided_at desc, d.decision_id desc limit $5)
    union all
    (select 'intervention', 3, i.intervention_id::text, i.intervention_id, i.intervention_date, to_jsonb(i) - 'customer_id' - 'messages' - 'message_sent'
       from interventions i
      where i.customer_id = $1 and (i.intervention_date, 3, i.intervention_id) < ($2, $3, $4)
      order by i.intervention_date desc, i.intervention_id desc limit $5)
    union all
    (select 'delivery', 4, d.delivery_id::text, d.delivery_id, d.created_at,
            jsonb_build_object('delivery_id', d.delivery_id, 'intervention_id', d.intervention_id, 'channel', d.channel, 'status', d.status,
                               'provider', d.provider, 'provider_message_id', d.provider_message_id, 'attempts', d.attempts,
                               'last_error', d.last_error, 'scheduled_for', d.scheduled_for, 'sent_at', d.sent_at, 'updated_at', d.updated_at)
       from deliveries d
      where d.customer_id = $1 and (d.created_at, 4, d.delivery_id) < ($2, $3, $4)
      order by d.created_at desc, d.delivery_id desc limit $5)
    union all
    (select 'delivery_event', 5, e.event_id::text, e.event_id, e.received_at,
            jsonb_build_object('provider', e.provider, 'event_type', e.event_type, 'delivery_id', e.delivery_id,
                               'channel', (select x.channel from deliveries x where x.delivery_id = e.delivery_id))
       from delivery_events e
      where e.customer_id = $1 and (e.received_at, 5, e.event_id) < ($2, $3, $4)
      order by e.received_at desc, e.event_id desc limit $5)
    union all
    (select 'response', 6, r.response_id::text, r.response_id, r.created_at,
            jsonb_build_object('intervention_id', r.intervention_id, 'response_type', r.response_type, 'source', r.source, 'notes', r.notes)
       from intervention_responses r join interventions i on i.intervention_id = r.intervention_id
      where i.customer_id = $1 and (r.created_at, 6, r.response_id) < ($2, $3, $4)
      order by r.created_at desc, r.response_id desc limit $5)
    union all
    (select 'suppression', 7, s.suppression_id::text, s.suppression_id, s.created_at,
            jsonb_build_object('channel', s.channel, 'reason', s.reason, 'source', s.source,
                               'keyed_by', case when s.customer_id is null then 'address' else 'customer' end)
       from suppressions s
      where (s.customer_id = $1 or s.address_hash = any($6::text[])) and (s.created_at, 7, s.suppression_id) < ($2, $3, $4)
      order by s.created_at desc, s.suppression_id desc limit $5)
    union all
    (select 'preference_change', 8, p.change_id::text, p.change_id, p.at,
            jsonb_build_object('source', p.source, 'actor', p.actor, 'changes', p.changes)
       from preference_changes p
      where p.customer_id = $1 and (p.at, 8, p.change_id) < ($2, $3, $4)
      order by p.at desc, p.change_id desc limit $5)
    union all
    (select 'erasure', 9, e.customer_id, 0, e.erased_at, jsonb_build_object('erased', e.erased)
       from erasures e
      where e.customer_id = $1 and (e.erased_at, 9, 0) < ($2, $3, $4))
  )
  select kind, id, at, rank, seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at, detail
    from entries
   order by at desc, rank desc, seq desc
   limit $5`;

/**
 * One page of the customer's timeline, newest first. `addressHashes` are the keyed hashes of the
 * addresses the customer has now, whose opt-outs hold for them too.
 */
export async function loadTimeline(db: Queryable, customerId: string, addressHashes: readonly string[], options: { before: TimelineCursor | null; limit: number }): Promise<TimelinePage> {
  const before = options.before ?? { at: 'infinity', rank: 0, id: 0 };
  const { rows } = await db.query<{ kind: TimelineKind; id: string; at: Date; rank: number; seq: number; cursor_at: string; detail: Record<string, unknown> }>(
    TIMELINE_SQL,
    [customerId, before.at, before.rank, before.id, options.limit + 1, addressHashes],
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    entries: page.map((row) => ({ kind: row.kind, id: row.kind === 'erasure' ? row.id : row.seq, at: row.at, detail: row.detail })),
    next: rows.length > options.limit && last ? { at: last.cursor_at, rank: last.rank, id: last.seq } : null,
  };
}

/** The cursor as the API writes it: `<instant>~<rank>~<id>`. */
export function formatCursor(cursor: TimelineCursor): string {
  return `${cursor.at}~${cursor.rank}~${cursor.id}`;
}

/** A cursor written by formatCursor, or null for anything else. */
export function parseCursor(text: string): TimelineCursor | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)~([1-9])~(\d{1,18})$/.exec(text);
  if (!match?.[1] || !match[2] || !match[3] || Number.isNaN(Date.parse(match[1]))) return null;
  return { at: match[1], rank: Number(match[2]), id: Number(match[3]) };
}
