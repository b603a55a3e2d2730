-- Up Migration

-- Who changed what, and when: every admin change is one row, written in the same transaction as
-- the change itself, so that a change and its record are never one without the other.
create table audit_log (
  audit_id bigint generated always as identity primary key,
  at timestamptz not null,
  actor text not null,
  action text not null,
  subject text,
  details jsonb not null default '{}'
);
create index audit_log_at on audit_log (at);

-- Down Migration
drop table if exists audit_log;
