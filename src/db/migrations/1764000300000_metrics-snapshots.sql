-- Up Migration

-- Effectiveness over time. `slot` is the scheduler's period the snapshot belongs to: unique,
-- so that however many workers run the scheduled job, a period has one snapshot.
create table metrics_snapshots (
  snapshot_id bigint generated always as identity primary key,
  slot timestamptz not null unique,
  measured_at timestamptz not null,
  period_days integer not null,
  total_interventions integer not null,
  prevented_defaults integer not null,
  defaults_occurred integer not null,
  success_rate double precision,
  absolute_uplift double precision,
  uplift_ci_low double precision,
  uplift_ci_high double precision,
  metrics jsonb not null
);
create index metrics_snapshots_measured on metrics_snapshots (measured_at desc);

-- Down Migration
drop table if exists metrics_snapshots;
