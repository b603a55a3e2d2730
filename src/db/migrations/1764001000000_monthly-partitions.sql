-- Up Migration

-- Monthly partitions for the tables that grow with every scoring batch: decisions, deliveries,
-- notifications, delivery_events, and risk_scores when the engine created it. Each month of a
-- table is a partition of its own named <table>_p<YYYYMM> (UTC months), so that the metrics and
-- the evaluation read only the months they need, and RETENTION_MONTHS drops a whole old month
-- at once (DROP TABLE of a partition) instead of deleting rows one by one. A <table>_default
-- partition takes any row whose month has no partition yet (a score dated years ahead, a row
-- written while the scheduler was stopped), so that no write ever fails for want of one.
--
-- The rows of today's tables are kept: each table is renamed, a partitioned table of the same
-- columns takes its name, the partitions of every month that has rows (and of this month and the
-- next three) are created, the rows are copied with their ids, the id sequence continues where
-- the old one stopped, the keys and indexes are built, and the old table is dropped.
--
-- Keys. PostgreSQL requires a unique key of a partitioned table to include the partition key,
-- and a foreign key to a partitioned table to name such a key. The guarantees hold as follows:
--
-- * decisions are partitioned by score_date: unique (customer_id, score_date) is unchanged, so
--   "one decision per (customer, score_date)" holds across all partitions, and every
--   `on conflict (customer_id, score_date)` keeps working.
-- * deliveries carry their intervention's date (intervention_date) and are partitioned by it.
--   The foreign key (intervention_id, intervention_date) -> interventions makes that column equal
--   to the intervention's own date, and an intervention has one date (a referenced row cannot
--   change it), so two deliveries of one intervention always have the same intervention_date;
--   unique (intervention_id, channel, intervention_date) therefore still means "never twice per
--   (intervention, channel)". A delivery and its intervention land in the same month.
-- * notifications carry the same date: a notification is written with its delivery's
--   intervention_id, and the foreign key (intervention_id, intervention_date) -> interventions
--   makes its date that intervention's, which is the delivery's. One delivery's notifications
--   therefore all have one date, and unique (delivery_id, intervention_date) still means one
--   notification per delivery.
-- * delivery_events are partitioned by received_at. No date of ours is stable for every provider
--   event (an unmatched event or an inbound SMS names no delivery), so the key (provider,
--   event_key) cannot be unique any more; the webhook handlers take a lock on the key and look
--   for it among recent events instead (src/db/events.ts), in the same transaction.
-- * ids (decision_id, delivery_id, ...) stay identity columns, generated always: only the
--   sequence gives them out, so they stay unique across partitions; the primary keys become
--   (id, partition key).
--
-- Foreign keys that pointed at the old unique keys:
-- * interventions.decision_id -> decisions: dropped. Interventions are kept when retention drops
--   a month of decisions (they hold what the metrics and the API need), so the reference must be
--   allowed to outlive its decision; recordDecisions writes it from the decision it just inserted.
-- * outbox_messages.delivery_id and agent_tasks.delivery_id -> deliveries: dropped, for the same
--   reason (an agent's task history outlives the raw delivery rows); both are written by the
--   delivery path from the delivery row it has just claimed, and each keeps its unique delivery_id.
-- * delivery_events.delivery_id -> deliveries: dropped. Events and deliveries are partitioned on
--   different dates; the webhook handlers store only a delivery_id they have just found.
-- * deliveries and notifications -> interventions: kept, as (intervention_id, intervention_date),
--   which is what makes their dates trustworthy (above). interventions is not partitioned.

-- Creates the month partition of `parent` for the month of `month`, unless it exists. Rows of
-- that month waiting in the default partition move into it, so creating it never fails. The
-- parent is locked for the moment it takes: an insert routed to the default partition while a
-- partition is attached beside it would otherwise fail ("violates partition constraint") when
-- its row belongs to the new month. Returns the partition's name, or null when it existed.
-- Serialised by an advisory lock, so that several processes may call it at once.
create function engine_create_month_partition(parent regclass, month date) returns text
language plpgsql as $$
declare
  parent_schema text;
  parent_name text;
  key_column text;
  default_partition regclass;
  partition_name text;
  lower_bound timestamptz := date_trunc('month', month::timestamp) at time zone 'UTC';
  upper_bound timestamptz := (date_trunc('month', month::timestamp) + interval '1 month') at time zone 'UTC';
begin
  select n.nspname, c.relname, a.attname, nullif(p.partdefid, 0)::regclass
    into parent_schema, parent_name, key_column, default_partition
    from pg_partitioned_table p
    join pg_class c on c.oid = p.partrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
   where p.partrelid = parent;
  if not found then
    raise exception '% is not a partitioned table', parent;
  end if;
  partition_name := parent_name || '_p' || to_char(lower_bound at time zone 'UTC', 'YYYYMM');
  if to_regclass(format('%I.%I', parent_schema, partition_name)) is not null then
    return null;
  end if;
  perform pg_advisory_xact_lock(hashtextextended('engine partition maintenance', 0));
  -- Asked of pg_class, not of to_regclass: after waiting for the lock, the name cache may still
  -- say "absent" about a partition that another process has just committed.
  if exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = partition_name and n.nspname = parent_schema) then
    return null;
  end if;
  execute format('lock table %s in access exclusive mode', parent);
  execute format('create table %I.%I (like %s including defaults including constraints)', parent_schema, partition_name, parent);
  if default_partition is not null then
    execute format('with moved as (delete from %s where %I >= %L and %I < %L returning *) insert into %I.%I select * from moved',
                   default_partition, key_column, lower_bound, key_column, upper_bound, parent_schema, partition_name);
  end if;
  execute format('alter table %s attach partition %I.%I for values from (%L) to (%L)', parent, parent_schema, partition_name, lower_bound, upper_bound);
  return partition_name;
end $$;

-- Drops the partitions of `parent` all of whose rows are older than `cutoff` (upper bound at or
-- before it), and deletes such rows from its default partition. Returns the names dropped.
create function engine_drop_partitions_before(parent regclass, cutoff timestamptz) returns setof text
language plpgsql as $$
declare
  key_column text;
  default_partition regclass;
  expired record;
begin
  select a.attname, nullif(p.partdefid, 0)::regclass into key_column, default_partition
    from pg_partitioned_table p join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
   where p.partrelid = parent;
  if not found then
    raise exception '% is not a partitioned table', parent;
  end if;
  perform pg_advisory_xact_lock(hashtextextended('engine partition maintenance', 0));
  for expired in
    select c.oid::regclass as partition, c.relname
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = parent
       and (regexp_match(pg_get_expr(c.relpartbound, c.oid), $re$ TO \('([^']+)'\)$re$))[1]::timestamptz <= cutoff
     order by c.relname
  loop
    execute format('drop table %s', expired.partition);
    return next expired.relname;
  end loop;
  if default_partition is not null then
    execute format('delete from %s where %I < %L', default_partition, key_column, cutoff);
  end if;
end $$;

-- The months a table gets partitions for now: those of its rows, this month and the next three.
create temporary table months_ahead on commit drop as
  select (date_trunc('month', now() at time zone 'UTC') + n * interval '1 month')::date as month from generate_series(0, 3) as n;

alter table interventions drop constraint interventions_decision_id_fkey;
alter table outbox_messages drop constraint outbox_messages_delivery_id_fkey;
alter table agent_tasks drop constraint agent_tasks_delivery_id_fkey;
alter table notifications drop constraint notifications_delivery_id_fkey;
alter table delivery_events drop constraint delivery_events_delivery_id_fkey;
alter table interventions add constraint interventions_id_date_key unique (intervention_id, intervention_date);

-- decisions, by score_date.
alter table decisions rename to decisions_unpartitioned;
alter sequence decisions_decision_id_seq rename to decisions_unpartitioned_decision_id_seq;
alter table decisions_unpartitioned drop constraint decisions_pkey, drop constraint decisions_customer_id_score_date_key;
drop index decisions_decided_at;
create table decisions (like decisions_unpartitioned including defaults including constraints including identity) partition by range (score_date);
create table decisions_default partition of decisions default;
select engine_create_month_partition('decisions', month) from (
  select distinct date_trunc('month', score_date at time zone 'UTC')::date as month from decisions_unpartitioned
  union select month from months_ahead) as months;
insert into decisions overriding system value select * from decisions_unpartitioned;
select setval(pg_get_serial_sequence('decisions', 'decision_id'), last_value, is_called) from decisions_unpartitioned_decision_id_seq;
alter table decisions add constraint decisions_pkey primary key (decision_id, score_date);
alter table decisions add constraint decisions_customer_id_score_date_key unique (customer_id, score_date);
create index decisions_decided_at on decisions (decided_at);
drop table decisions_unpartitioned;

-- deliveries, by their intervention's date.
alter table deliveries rename to deliveries_unpartitioned;
alter sequence deliveries_delivery_id_seq rename to deliveries_unpartitioned_delivery_id_seq;
alter table deliveries_unpartitioned drop constraint deliveries_pkey, drop constraint deliveries_intervention_id_channel_key,
  drop constraint deliveries_intervention_id_fkey;
drop index deliveries_status, deliveries_customer;
create table deliveries (like deliveries_unpartitioned including defaults including constraints including identity,
  intervention_date timestamptz not null) partition by range (intervention_date);
create table deliveries_default partition of deliveries default;
select engine_create_month_partition('deliveries', month) from (
  select distinct date_trunc('month', i.intervention_date at time zone 'UTC')::date as month
    from deliveries_unpartitioned d join interventions i using (intervention_id)
  union select month from months_ahead) as months;
insert into deliveries overriding system value
  select d.*, i.intervention_date from deliveries_unpartitioned d join interventions i using (intervention_id);
select setval(pg_get_serial_sequence('deliveries', 'delivery_id'), last_value, is_called) from deliveries_unpartitioned_delivery_id_seq;
alter table deliveries add constraint deliveries_pkey primary key (delivery_id, intervention_date);
alter table deliveries add constraint deliveries_once_per_intervention_channel unique (intervention_id, channel, intervention_date);
alter table deliveries add constraint deliveries_intervention_fkey
  foreign key (intervention_id, intervention_date) references interventions (intervention_id, intervention_date);
create index deliveries_status on deliveries (status) where status in ('pending', 'scheduled', 'sending', 'unknown');
create index deliveries_customer on deliveries (customer_id);
drop table deliveries_unpartitioned;

-- notifications, by their intervention's date (their delivery's).
alter table notifications rename to notifications_unpartitioned;
alter sequence notifications_notification_id_seq rename to notifications_unpartitioned_notification_id_seq;
alter table notifications_unpartitioned drop constraint notifications_pkey, drop constraint notifications_delivery_id_key,
  drop constraint notifications_intervention_id_fkey;
drop index notifications_customer;
create table notifications (like notifications_unpartitioned including defaults including constraints including identity,
  intervention_date timestamptz not null) partition by range (intervention_date);
create table notifications_default partition of notifications default;
select engine_create_month_partition('notifications', month) from (
  select distinct date_trunc('month', i.intervention_date at time zone 'UTC')::date as month
    from notifications_unpartitioned n join interventions i using (intervention_id)
  union select month from months_ahead) as months;
insert into notifications overriding system value
  select n.*, i.intervention_date from notifications_unpartitioned n join interventions i using (intervention_id);
select setval(pg_get_serial_sequence('notifications', 'notification_id'), last_value, is_called) from notifications_unpartitioned_notification_id_seq;
alter table notifications add constraint notifications_pkey primary key (notification_id, intervention_date);
alter table notifications add constraint notifications_once_per_delivery unique (delivery_id, intervention_date);
alter table notifications add constraint notifications_intervention_fkey
  foreign key (intervention_id, intervention_date) references interventions (intervention_id, intervention_date);
create index notifications_customer on notifications (customer_id, created_at desc);
drop table notifications_unpartitioned;

-- delivery_events, by received_at.
alter table delivery_events rename to delivery_events_unpartitioned;
alter sequence delivery_events_event_id_seq rename to delivery_events_unpartitioned_event_id_seq;
alter table delivery_events_unpartitioned drop constraint delivery_events_pkey, drop constraint delivery_events_provider_event_key_key;
drop index delivery_events_delivery;
create table delivery_events (like delivery_events_unpartitioned including defaults including constraints including identity)
  partition by range (received_at);
create table delivery_events_default partition of delivery_events default;
select engine_create_month_partition('delivery_events', month) from (
  select distinct date_trunc('month', received_at at time zone 'UTC')::date as month from delivery_events_unpartitioned
  union select month from months_ahead) as months;
insert into delivery_events overriding system value select * from delivery_events_unpartitioned;
select setval(pg_get_serial_sequence('delivery_events', 'event_id'), last_value, is_called) from delivery_events_unpartitioned_event_id_seq;
alter table delivery_events add constraint delivery_events_pkey primary key (event_id, received_at);
create index delivery_events_key on delivery_events (provider, event_key, received_at);
create index delivery_events_delivery on delivery_events (delivery_id);
drop table delivery_events_unpartitioned;

-- risk_scores, by score_date: only the table this engine created (an identity score_id, batch_id
-- and created_at, and its unique index). A risk_scores table the lender's systems created
-- before the engine was installed is theirs to partition, and is left as it is.
do $$
begin
  if (select relkind from pg_class where oid = to_regclass('risk_scores')) = 'r'
     and (select attidentity from pg_attribute where attrelid = 'risk_scores'::regclass and attname = 'score_id' and not attisdropped) = 'a'
     and (select count(*) from pg_attribute where attrelid = 'risk_scores'::regclass and attname in ('batch_id', 'created_at') and not attisdropped) = 2
     and to_regclass('risk_scores_customer_date') is not null then
    alter table risk_scores rename to risk_scores_unpartitioned;
    alter sequence risk_scores_score_id_seq rename to risk_scores_unpartitioned_score_id_seq;
    alter table risk_scores_unpartitioned drop constraint risk_scores_pkey;
    drop index risk_scores_customer_date;
    create table risk_scores (like risk_scores_unpartitioned including defaults including constraints including identity) partition by range (score_date);
    create table risk_scores_default partition of risk_scores default;
    perform engine_create_month_partition('risk_scores', month) from (
      select distinct date_trunc('month', score_date at time zone 'UTC')::date as month from risk_scores_unpartitioned
      union select month from months_ahead) as months;
    insert into risk_scores overriding system value select * from risk_scores_unpartitioned;
    perform setval(pg_get_serial_sequence('risk_scores', 'score_id'), last_value, is_called) from risk_scores_unpartitioned_score_id_seq;
    alter table risk_scores add constraint risk_scores_pkey primary key (score_id, score_date);
    -- One score per customer and instant; also serves "the customer's last N scores up to this one".
    create unique index risk_scores_customer_date on risk_scores (customer_id, score_date);
    drop table risk_scores_unpartitioned;
    analyze risk_scores;
  else
    raise notice 'risk_scores was not created by the engine: left unpartitioned';
  end if;
end $$;

-- Fresh statistics, so that the first queries after the migration are planned on the real rows.
analyze decisions, deliveries, notifications, delivery_events, interventions;

-- Down Migration
do $$
begin
  raise exception 'the monthly partitions cannot be undone by a migration: restore the backup taken before it';
end $$;
