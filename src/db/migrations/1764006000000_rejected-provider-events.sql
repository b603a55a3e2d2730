-- Up Migration

-- Provider events (SendGrid, Twilio) that could not be applied: a field with a code point that
-- cannot be stored, a value that is not what the provider documents, a row the database
-- refused. The webhook answers 2xx for them all the same, so that the provider stops re-sending
-- a batch that can never fully apply; this is where an operator finds them, and why. The payload
-- is kept when it can be stored (bad code points replaced), null when it cannot (too deep).
create table rejected_provider_events (
  rejected_id bigint generated always as identity primary key,
  provider text not null,
  reason text not null,
  payload jsonb,
  received_at timestamptz not null
);
create index rejected_provider_events_received on rejected_provider_events (received_at);

-- Down Migration
drop table if exists rejected_provider_events;
