-- Up Migration

-- The customer's own choices that are not opt-outs: the language they want to be written to.
-- customers.locale belongs to the lender's systems, which may rewrite it on their next import;
-- a choice made here is kept apart and wins wherever the engine reads a customer's locale. A
-- channel turned off is not kept here: it is a suppression (reason 'preference') keyed by the
-- customer, which the delivery path already honours.
create table customer_preferences (
  customer_id text primary key,
  locale text,
  updated_at timestamptz not null
);

-- Every change of a customer's choices, for the customer's timeline: who made it (the customer
-- on the preference centre, an agent through the API) and what changed, as
-- {"email": {"from": "on", "to": "off"}, "locale": {"from": "en", "to": "es"}}.
create table preference_changes (
  change_id bigint generated always as identity primary key,
  customer_id text not null,
  at timestamptz not null,
  source text not null check (source in ('preference_centre', 'api')),
  actor text not null,
  changes jsonb not null
);
create index preference_changes_customer on preference_changes (customer_id, at);

-- Down Migration
drop table if exists preference_changes;
drop table if exists customer_preferences;
