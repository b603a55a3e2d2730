-- Up Migration

-- Who must not be contacted on a channel, and why. A row exists while the suppression holds;
-- lifting it (START) deletes the row, the event that did so stays in delivery_events.
create table suppressions (
  customer_id text not null,
  channel text not null check (channel in ('email', 'sms', 'app_notification', 'phone')),
  reason text not null,
  source text not null,
  created_at timestamptz not null default now(),
  primary key (customer_id, channel)
);

-- What would have been sent when a provider has no credentials: the demo's and a
-- staging environment's record of outreach.
create table outbox_messages (
  delivery_id bigint primary key references deliveries (delivery_id),
  channel text not null,
  recipient text,
  payload jsonb not null,
  created_at timestamptz not null default now()
);

-- The customer's in-app inbox.
create table notifications (
  notification_id bigint generated always as identity primary key,
  delivery_id bigint not null unique references deliveries (delivery_id),
  intervention_id bigint not null references interventions (intervention_id),
  customer_id text not null,
  title text not null,
  body text not null,
  action_label text,
  action_url text,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index notifications_customer on notifications (customer_id, created_at desc);

-- The phone channel's work list: an agent calls the customer before due_at.
create table agent_tasks (
  task_id bigint generated always as identity primary key,
  delivery_id bigint not null unique references deliveries (delivery_id),
  intervention_id bigint not null references interventions (intervention_id),
  customer_id text not null,
  status text not null default 'open' check (status in ('open', 'claimed', 'completed')),
  due_at timestamptz not null,
  script jsonb not null,
  claimed_by text,
  claimed_at timestamptz,
  completed_at timestamptz,
  response_type text check (response_type in ('accepted_offer', 'engaged', 'no_response', 'opted_out')),
  notes text,
  created_at timestamptz not null default now()
);
create index agent_tasks_open on agent_tasks (status, due_at);

-- Down Migration
drop table if exists agent_tasks;
drop table if exists notifications;
drop table if exists outbox_messages;
drop table if exists suppressions;
