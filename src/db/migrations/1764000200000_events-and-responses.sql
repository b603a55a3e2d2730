-- Up Migration

-- Every provider event as it arrived, processed once: the key is the provider's own event id
-- (SendGrid sg_event_id; Twilio MessageSid + status), so a webhook delivered twice changes
-- nothing the second time. Unmatched events (no known delivery) are kept and marked.
create table delivery_events (
  event_id bigint generated always as identity primary key,
  provider text not null,
  event_key text not null,
  event_type text not null,
  delivery_id bigint references deliveries (delivery_id),
  customer_id text,
  matched boolean not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  unique (provider, event_key)
);
create index delivery_events_delivery on delivery_events (delivery_id);

-- Every response we learn of, from agents, the API or the providers; interventions keeps the
-- latest in customer_response / response_date, as the reference design does.
create table intervention_responses (
  response_id bigint generated always as identity primary key,
  intervention_id bigint not null references interventions (intervention_id),
  response_type text not null check (response_type in ('accepted_offer', 'engaged', 'no_response', 'opted_out')),
  source text not null,
  notes text,
  created_at timestamptz not null default now()
);
create index intervention_responses_intervention on intervention_responses (intervention_id, created_at);

-- An agent task is a scheduled call (from the phone channel) or a follow-up of a customer's
-- reply (from inbound SMS), which has no delivery of its own.
alter table agent_tasks alter column delivery_id drop not null;
alter table agent_tasks add column kind text not null default 'call' check (kind in ('call', 'follow_up'));
alter table agent_tasks add column reason text;

-- Down Migration
alter table agent_tasks drop column reason;
alter table agent_tasks drop column kind;
drop table if exists intervention_responses;
drop table if exists delivery_events;
