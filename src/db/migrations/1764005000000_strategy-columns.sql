-- Up Migration

-- The strategy (section 12) that made each decision and intervention, which the dashboard and
-- GET /intervention_metrics filter on. The strategies' own migration adds the same nullable
-- columns; `if not exists` makes whichever runs second a no-op. Null: decided before strategies.
alter table decisions add column if not exists strategy text;
alter table interventions add column if not exists strategy text;

-- Down Migration
-- Nothing: the columns belong to the strategies as much as to this migration, and dropping them
-- here would take the strategies' record with them.
