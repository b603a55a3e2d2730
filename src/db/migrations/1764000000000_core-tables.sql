-- Up Migration

-- Input tables, owned by the lender's other systems; created here when absent so that a
-- fresh install works. Extra columns (ids, timestamps) are ours and optional for writers.
create table if not exists customers (
  customer_id text primary key,
  full_name text not null,
  email text,
  phone text,                      -- E.164
  timezone text not null default 'UTC',  -- IANA
  locale text not null default 'en',
  sms_consent boolean not null default false
);

create table if not exists payments (
  payment_id bigint generated always as identity primary key,
  customer_id text not null,
  due_date date not null,
  amount numeric(12, 2) not null,
  currency text not null default 'USD',
  status text not null check (status in ('scheduled', 'paid', 'missed'))
);
create index if not exists payments_customer_due on payments (customer_id, due_date);

create table if not exists score_batches (
  batch_id uuid primary key,
  source text not null,
  received_at timestamptz not null default now(),
  accepted integer not null default 0,
  rejected integer not null default 0
);

create table if not exists risk_scores (
  score_id bigint generated always as identity primary key,
  customer_id text not null,
  risk_score numeric not null check (risk_score >= 0 and risk_score <= 1),
  risk_level text,
  score_date timestamptz not null,
  explanation jsonb,
  batch_id uuid references score_batches (batch_id),
  created_at timestamptz not null default now()
);
-- One score per customer and instant: re-sent batches cannot duplicate, and this index
-- serves "the customer's last N scores up to this one".
create unique index if not exists risk_scores_customer_date on risk_scores (customer_id, score_date);

-- One decision per evaluated score, whatever the outcome; the unique key is what makes
-- re-runs and racing workers harmless.
create table decisions (
  decision_id bigint generated always as identity primary key,
  customer_id text not null,
  score_date timestamptz not null,
  risk_score numeric not null,
  outcome text not null check (outcome in ('intervention', 'holdout', 'no_intervention')),
  reason text,
  trend text not null,
  intervention_type text,
  policy_version text not null,
  decided_at timestamptz not null,
  unique (customer_id, score_date)
);
create index decisions_decided_at on decisions (decided_at);

-- The reference design's columns, plus holdout, urgency, channels, offers, the rendered
-- messages and the policy version that chose them.
create table interventions (
  intervention_id bigint generated always as identity primary key,
  decision_id bigint not null unique references decisions (decision_id),
  customer_id text not null,
  intervention_date timestamptz not null,
  intervention_type text not null,
  urgency text not null,
  risk_score numeric not null,
  trend text not null,
  channels text[] not null,
  offers text[] not null,
  contact_by timestamptz not null,
  holdout boolean not null default false,
  messages jsonb,
  message_sent text,
  delivery_status text not null default 'pending',
  customer_response text check (customer_response in ('accepted_offer', 'engaged', 'no_response', 'opted_out')),
  response_date timestamptz,
  policy_version text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Cool-off reads the customer's latest intervention; metrics scan by date.
create index interventions_customer_date on interventions (customer_id, intervention_date desc);
create index interventions_date on interventions (intervention_date);

-- One row per intervention and channel: the unit that is sent at most once.
create table deliveries (
  delivery_id bigint generated always as identity primary key,
  intervention_id bigint not null references interventions (intervention_id),
  customer_id text not null,
  channel text not null check (channel in ('email', 'sms', 'app_notification', 'phone')),
  status text not null default 'pending' check (status in (
    'pending', 'scheduled', 'sending', 'sent', 'delivered', 'opened', 'clicked',
    'bounced', 'failed', 'suppressed', 'unknown', 'outbox')),
  provider text,
  provider_message_id text,
  attempts integer not null default 0,
  last_error text,
  scheduled_for timestamptz,
  claimed_at timestamptz,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (intervention_id, channel)
);
create index deliveries_status on deliveries (status) where status in ('pending', 'scheduled', 'sending', 'unknown');
create index deliveries_customer on deliveries (customer_id);

-- Secrets the web and worker processes must share (the unsubscribe-link signing key)
-- when none is configured: generated once, kept here.
create table engine_secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);

-- Down Migration
drop table if exists engine_secrets;
drop table if exists deliveries;
drop table if exists interventions;
drop table if exists decisions;
