// Records decisions, with their interventions and delivery rows, set-based: three statements
// for any number of scores. "insert ... on conflict do nothing" on (customer_id, score_date)
// is what guarantees one decision per score when jobs are retried or workers race.
import type { Channel, DecisionOutcome, InterventionType, Offer, Trend, Urgency } from '../domain/types.js';
import type { RenderedMessages } from '../messages/schema.js';
import type { ScoreRef } from '../queues/names.js';
import { scoreDateRange } from './partitions.js';
import { jsonb, type Queryable } from './pool.js';

export interface InterventionRecord {
  type: InterventionType;
  urgency: Urgency;
  channels: readonly Channel[];
  offers: readonly Offer[];
  contactBy: Date;
  holdout: boolean;
  /** rendered messages per channel (null for a holdout: nothing is sent) */
  messages: RenderedMessages | null;
  messageSent: string | null;
}

export interface DecisionRecord {
  customerId: string;
  scoreDate: Date;
  riskScore: number;
  outcome: DecisionOutcome;
  reason: string | null;
  trend: Trend;
  /** the strategy whose policy decided */
  strategy: string;
  policyVersion: string;
  decidedAt: Date;
  intervention: InterventionRecord | null;
}

export interface NewDelivery {
  deliveryId: number;
  interventionId: number;
  /** the month it is kept in */
  interventionDate: Date;
  channel: Channel;
}

export interface RecordedDecisions {
  /** decisions written now (fewer than given when some scores were already decided) */
  decisionIds: Map<string, number>;
  interventionIds: Map<number, number>;
  deliveries: NewDelivery[];
}

const key = (customerId: string, scoreDate: Date) => `${customerId}\u0000${scoreDate.getTime()}`;

export async function recordDecisions(db: Queryable, records: readonly DecisionRecord[]): Promise<RecordedDecisions> {
  const result: RecordedDecisions = { decisionIds: new Map(), interventionIds: new Map(), deliveries: [] };
  if (records.length === 0) return result;

  const inserted = await db.query<{ decision_id: number; customer_id: string; score_date: Date }>(
    `insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at, strategy)
     select * from unnest($1::text[], $2::timestamptz[], $3::numeric[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[])
     on conflict (customer_id, score_date) do nothing
     returning decision_id, customer_id, score_date`,
    [
      records.map((r) => r.customerId),
      records.map((r) => r.scoreDate),
      records.map((r) => r.riskScore),
      records.map((r) => r.outcome),
      records.map((r) => r.reason),
      records.map((r) => r.trend),
      records.map((r) => r.intervention?.type ?? null),
      records.map((r) => r.policyVersion),
      records.map((r) => r.decidedAt),
      records.map((r) => r.strategy),
    ],
  );
  for (const row of inserted.rows) result.decisionIds.set(key(row.customer_id, row.score_date), row.decision_id);

  const interventions = records.flatMap((r) => {
    const decisionId = result.decisionIds.get(key(r.customerId, r.scoreDate));
    return decisionId !== undefined && r.intervention ? [{ decisionId, record: r, intervention: r.intervention }] : [];
  });
  if (interventions.length === 0) return result;

  // The messages (about 4 kB of JSON with an email) travel as one JSON array, zipped with the
  // other columns by position (ROWS FROM). As jsonb[] and text[] parameters, each message was
  // escaped into an array literal and parsed back out of it: recording 500 interventions then
  // took 96-132 µs of Node's CPU each, against 72-80 µs this way.
  const written = await db.query<{ intervention_id: number; decision_id: number }>(
    `insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend,
                                channels, offers, contact_by, holdout, messages, message_sent, delivery_status, policy_version, strategy)
     select d.decision_id, d.customer_id, d.decided_at, d.intervention_type, d.urgency, d.risk_score, d.trend,
            string_to_array(d.channels, ','), string_to_array(d.offers, ','), d.contact_by, d.holdout,
            nullif(d.message -> 'messages', 'null'), d.message ->> 'sent',
            case when d.holdout then 'holdout' else 'pending' end, d.policy_version, d.strategy
       from rows from (unnest($1::bigint[]), unnest($2::text[]), unnest($3::timestamptz[]), unnest($4::text[]), unnest($5::text[]),
                       unnest($6::numeric[]), unnest($7::text[]), unnest($8::text[]), unnest($9::text[]), unnest($10::timestamptz[]),
                       unnest($11::boolean[]), jsonb_array_elements($12::jsonb), unnest($13::text[]), unnest($14::text[]))
         as d(decision_id, customer_id, decided_at, intervention_type, urgency, risk_score, trend,
              channels, offers, contact_by, holdout, message, policy_version, strategy)
     returning intervention_id, decision_id`,
    [
      interventions.map((i) => i.decisionId),
      interventions.map((i) => i.record.customerId),
      interventions.map((i) => i.record.decidedAt),
      interventions.map((i) => i.intervention.type),
      interventions.map((i) => i.intervention.urgency),
      interventions.map((i) => i.record.riskScore),
      interventions.map((i) => i.record.trend),
      interventions.map((i) => i.intervention.channels.join(',')),
      interventions.map((i) => i.intervention.offers.join(',')),
      interventions.map((i) => i.intervention.contactBy),
      interventions.map((i) => i.intervention.holdout),
      jsonb(interventions.map((i) => ({ messages: i.intervention.messages, sent: i.intervention.messageSent }))),
      interventions.map((i) => i.record.policyVersion),
      interventions.map((i) => i.record.strategy),
    ],
  );
  for (const row of written.rows) result.interventionIds.set(row.decision_id, row.intervention_id);

  // A holdout intervention is logged but never contacted: it gets no delivery rows. A delivery
  // carries its intervention's date, the month it is kept in (see the partitions' migration).
  const deliveries = await db.query<DeliveryRow>(
    `insert into deliveries (intervention_id, customer_id, channel, intervention_date)
     select i.intervention_id, i.customer_id, unnest(i.channels), i.intervention_date
       from interventions i
      where i.intervention_id = any($1::bigint[]) and not i.holdout
     returning delivery_id, intervention_id, intervention_date, channel`,
    [[...result.interventionIds.values()]],
  );
  result.deliveries = deliveries.rows.map(newDelivery);
  return result;
}

/**
 * Deliveries of already-decided scores that were never picked up: a job that committed its
 * decisions but died before enqueueing their deliveries hands them on when it is retried.
 */
export async function findPendingDeliveries(db: Queryable, refs: readonly ScoreRef[]): Promise<NewDelivery[]> {
  if (refs.length === 0) return [];
  // The bounds on the dates let the planner read only the months these scores and their
  // deliveries are in (partition pruning).
  const { rows } = await db.query<DeliveryRow>(
    `select d.delivery_id, d.intervention_id, d.intervention_date, d.channel
       from unnest($1::text[], $2::timestamptz[]) as r(customer_id, score_date)
       join decisions x on x.customer_id = r.customer_id and x.score_date = r.score_date
       join interventions i on i.decision_id = x.decision_id
       join deliveries d on d.intervention_id = i.intervention_id and d.intervention_date = i.intervention_date
      where d.status = 'pending' and x.score_date between $3 and $4`,
    [refs.map((r) => r.customerId), refs.map((r) => r.scoreDate), ...scoreDateRange(refs)],
  );
  return rows.map(newDelivery);
}

interface DeliveryRow {
  delivery_id: number;
  intervention_id: number;
  intervention_date: Date;
  channel: Channel;
}

function newDelivery(row: DeliveryRow): NewDelivery {
  return { deliveryId: row.delivery_id, interventionId: row.intervention_id, interventionDate: row.intervention_date, channel: row.channel };
}
