-- Up Migration

-- Champion and challengers: each strategy is a complete policy document with a traffic weight.
-- Exactly one is the champion; the partial unique index makes a second one impossible.
create table strategies (
  name text primary key check (name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  weight double precision not null check (weight > 0 and weight < 'infinity'),
  champion boolean not null default false,
  policy jsonb not null,
  policy_version text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index strategies_one_champion on strategies (champion) where champion;

-- One counter, raised by every change of the strategies in the change's own transaction: an
-- evaluation reads it (one row) and reloads the strategies only when it moved.
create table strategy_revision (
  singleton boolean primary key default true check (singleton),
  revision bigint not null,
  changed_at timestamptz
);
insert into strategy_revision (revision) values (0);

-- The strategy that decided, beside the policy version it applied. Null for decisions made
-- before strategies existed. A column without a default: no table rewrite.
alter table decisions add column strategy text;
alter table interventions add column strategy text;

-- Down Migration
alter table interventions drop column strategy;
alter table decisions drop column strategy;
drop table if exists strategy_revision;
drop table if exists strategies;
