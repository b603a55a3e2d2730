// Reading interventions as the API shows them: the reference design's columns plus ours,
// with their deliveries.
import type { RenderedMessages } from '../messages/schema.js';
import type { Queryable } from './pool.js';

export interface InterventionView {
  intervention_id: number;
  decision_id: number;
  customer_id: string;
  intervention_date: Date;
  intervention_type: string;
  urgency: string;
  risk_score: number;
  trend: string;
  channels: string[];
  offers: string[];
  contact_by: Date;
  holdout: boolean;
  message_sent: string | null;
  /** as rendered for each channel (RenderedMessages); null for a holdout */
  messages: RenderedMessages | null;
  delivery_status: string;
  customer_response: string | null;
  response_date: Date | null;
  /** the strategy whose policy decided (null before strategies existed) */
  strategy: string | null;
  policy_version: string;
  created_at: Date;
  updated_at: Date;
  deliveries: DeliveryView[];
  responses: { response_type: string; source: string; notes: string | null; created_at: string }[];
}

export interface DeliveryView {
  delivery_id: number;
  channel: string;
  status: string;
  provider: string | null;
  provider_message_id: string | null;
  attempts: number;
  last_error: string | null;
  scheduled_for: Date | null;
  sent_at: Date | null;
  updated_at: Date;
}

export async function findIntervention(db: Queryable, interventionId: number): Promise<InterventionView | null> {
  const { rows } = await db.query<InterventionView>(
    `select i.intervention_id, i.decision_id, i.customer_id, i.intervention_date, i.intervention_type, i.urgency,
            i.risk_score::float8 as risk_score, i.trend, i.channels, i.offers, i.contact_by, i.holdout, i.message_sent,
            i.messages, i.delivery_status, i.customer_response, i.response_date, i.strategy, i.policy_version, i.created_at, i.updated_at,
            coalesce((select json_agg(json_build_object(
                        'delivery_id', d.delivery_id, 'channel', d.channel, 'status', d.status, 'provider', d.provider,
                        'provider_message_id', d.provider_message_id, 'attempts', d.attempts, 'last_error', d.last_error,
                        'scheduled_for', d.scheduled_for, 'sent_at', d.sent_at, 'updated_at', d.updated_at)
                        order by d.delivery_id)
                        from deliveries d where d.intervention_id = i.intervention_id and d.intervention_date = i.intervention_date), '[]') as deliveries,
            coalesce((select json_agg(json_build_object(
                        'response_type', r.response_type, 'source', r.source, 'notes', r.notes, 'created_at', r.created_at)
                        order by r.created_at, r.response_id)
                        from intervention_responses r where r.intervention_id = i.intervention_id), '[]') as responses
       from interventions i where i.intervention_id = $1`,
    [interventionId],
  );
  return rows[0] ?? null;
}

export interface DecisionView {
  decision_id: number;
  customer_id: string;
  score_date: Date;
  risk_score: number;
  outcome: 'intervention' | 'holdout' | 'no_intervention';
  reason: string | null;
  trend: string;
  strategy: string | null;
  policy_version: string;
  intervention_id: number | null;
}

export async function findDecision(db: Queryable, customerId: string, scoreDate: Date): Promise<DecisionView | null> {
  const { rows } = await db.query<DecisionView>(
    `select d.decision_id, d.customer_id, d.score_date, d.risk_score::float8 as risk_score, d.outcome, d.reason, d.trend,
            d.strategy, d.policy_version, i.intervention_id
       from decisions d left join interventions i on i.decision_id = d.decision_id
      where d.customer_id = $1 and d.score_date = $2`,
    [customerId, scoreDate],
  );
  return rows[0] ?? null;
}

/** The strategies that decided interventions in a period, for the dashboard's strategy filter. */
export async function strategiesSeen(db: Queryable, period: { start: Date; end: Date }): Promise<string[]> {
  const { rows } = await db.query<{ strategy: string }>(
    `select distinct strategy from interventions
      where intervention_date >= $1::timestamptz and intervention_date < $2::timestamptz and strategy is not null
      order by strategy`,
    [period.start, period.end],
  );
  return rows.map((row) => row.strategy);
}
