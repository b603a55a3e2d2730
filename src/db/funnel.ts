// The delivery funnel per channel in one set-based query: every intervention in scope on each of
// its channels, with that channel's delivery (none for the holdout, which is never contacted).
import { channelFunnel, FUNNEL_SIDE_COUNTS, FUNNEL_STAGES, type ChannelFunnel, type FunnelCount } from '../domain/funnel.js';
import type { MetricsFilter } from '../domain/metrics-filter.js';
import type { Channel } from '../domain/types.js';
import { SCOPED, scopeParams } from './intervention-scope.js';
import type { Queryable } from './pool.js';

/** `reached`: (intervention, channel) pairs in scope with the channel's delivery; needs `scoped`. */
export const REACHED = `reached as (
  select s.intervention_id, s.customer_id, s.intervention_date, s.intervention_type, s.holdout, s.strategy, s.customer_response,
         s.matured, s.defaulted, c.channel, d.delivery_id, d.status, d.sent_at, d.last_error
    from scoped s
   cross join lateral unnest(s.channels) as c(channel)
    -- The delivery's own date (its partition key, its intervention's date) bounds the join, so
    -- that only the filter's months of deliveries are read.
    left join deliveries d on d.intervention_id = s.intervention_id and d.channel = c.channel
                          and d.intervention_date = s.intervention_date and d.intervention_date >= $1::timestamptz and d.intervention_date < $2::timestamptz
   where $4::text is null or c.channel = $4)`;

// A send the provider accepted: a bounce or a provider-reported failure after acceptance (its
// sent_at is set) was sent all the same; a failure before any send was not.
const SENT = `(r.status in ('sent', 'outbox', 'delivered', 'opened', 'clicked', 'bounced') or (r.status = 'failed' and r.sent_at is not null))`;

/**
 * Each stage and side count as a predicate over `reached r`. The funnel applies them to its kinds
 * of pairs (deliveryFunnel), which have channel, holdout, status, customer_response, and sent_at
 * only as set or not: a predicate asking anything else fails there.
 */
export const STAGE_SQL: Record<FunnelCount, string> = {
  decided: 'true',
  intervened: 'not r.holdout',
  pending: `r.status in ('pending', 'sending')`,
  scheduled: `r.status = 'scheduled'`,
  sent: SENT,
  bounced: `r.status = 'bounced'`,
  delivered: `r.status in ('delivered', 'opened', 'clicked')`,
  opened: `r.status in ('opened', 'clicked')`,
  clicked: `r.status = 'clicked'`,
  // A response is the intervention's; it counts on each channel that reached the customer.
  responded: `${SENT} and r.customer_response in ('accepted_offer', 'engaged', 'opted_out')`,
  failed: `r.status = 'failed'`,
  suppressed: `r.status = 'suppressed'`,
  unknown: `r.status = 'unknown'`,
};

const COUNTS = [...FUNNEL_STAGES, ...FUNNEL_SIDE_COUNTS];

/**
 * The pairs are first counted by what the stages ask of them (channel, holdout, status, whether
 * sent, response), a few dozen kinds, and each stage sums the kinds it accepts: its predicate on
 * every pair cost more than the join (query alone over a million interventions: 2.35 s against
 * 3.1 s). A kind carries one of its sent_at values, null exactly when all of them are, which is
 * all that STAGE_SQL asks of sent_at.
 */
export async function deliveryFunnel(db: Queryable, filter: MetricsFilter, now: Date): Promise<ChannelFunnel[]> {
  const { rows } = await db.query<{ channel: Channel } & Record<FunnelCount, number>>(
    `with ${SCOPED}, ${REACHED}, kinds as (
       select r.channel, r.holdout, r.status, min(r.sent_at) as sent_at, r.customer_response, count(*) as n
         from reached r group by r.channel, r.holdout, r.status, r.sent_at is not null, r.customer_response
     )
     select r.channel, ${COUNTS.map((name) => `coalesce(sum(r.n) filter (where ${STAGE_SQL[name]}), 0)::int as ${name}`).join(', ')}
       from kinds r group by r.channel order by r.channel`,
    scopeParams(filter, now),
  );
  return rows.map(({ channel, ...counts }) => channelFunnel(channel, counts));
}
