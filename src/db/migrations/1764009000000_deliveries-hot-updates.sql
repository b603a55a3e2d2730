-- Up Migration

-- A delivery's status changes as heap-only (HOT) updates. A delivery row is updated two or
-- three times (claimed, its outcome recorded, the provider's events), and each update used to
-- write a new entry into every one of the table's five indexes: an update is heap-only only when
-- no indexed column changes and the page has room for the new version, and deliveries_status
-- (the open statuses) is on the column that changes. No query of the engine reads through it
-- (open deliveries are found by their ids, their intervention or their customer), so it goes;
-- and the partitions keep about a third of each page free (fillfactor 65) for the updated
-- versions, which PostgreSQL prunes as it reads the page, without waiting for a vacuum.
-- Measured on a job's 50 deliveries (claim, then outcome): holding every row of their pages,
-- 46% of the updates found room with a fifth free and 83-87% with a third; holding half of
-- them, as when an evaluation's deliveries alternate two channels, 92% with a third.
drop index if exists deliveries_status;

-- Storage parameters go on each partition; the partitions' maintenance gives a new month those
-- of the default partition.
do $$
declare
  part regclass;
begin
  for part in select inhrelid::regclass from pg_inherits where inhparent = 'deliveries'::regclass loop
    execute format('alter table %s set (fillfactor = 65)', part);
  end loop;
end $$;

create or replace function engine_create_month_partition(parent regclass, month date) returns text
language plpgsql as $$
declare
  parent_schema text;
  parent_name text;
  key_column text;
  default_partition regclass;
  partition_name text;
  options text[];
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
  -- A partitioned table takes no storage parameters; its months take those of its default partition.
  select c.reloptions into options from pg_class c where c.oid = default_partition;
  if options is not null then
    execute format('alter table %I.%I set (%s)', parent_schema, partition_name, array_to_string(options, ', '));
  end if;
  if default_partition is not null then
    execute format('with moved as (delete from %s where %I >= %L and %I < %L returning *) insert into %I.%I select * from moved',
                   default_partition, key_column, lower_bound, key_column, upper_bound, parent_schema, partition_name);
  end if;
  execute format('alter table %s attach partition %I.%I for values from (%L) to (%L)', parent, parent_schema, partition_name, lower_bound, upper_bound);
  return partition_name;
end $$;

-- Down Migration
create or replace function engine_create_month_partition(parent regclass, month date) returns text
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

do $$
declare
  part regclass;
begin
  for part in select inhrelid::regclass from pg_inherits where inhparent = 'deliveries'::regclass loop
    execute format('alter table %s reset (fillfactor)', part);
  end loop;
end $$;

create index if not exists deliveries_status on deliveries (status) where status in ('pending', 'scheduled', 'sending', 'unknown');
