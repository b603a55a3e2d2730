-- Up Migration

-- An intervention's delivery_status: its most advanced delivery's status, recomputed when its
-- deliveries change. Deliveries of one intervention settle at the same moment in different
-- workers (one per channel), so a refresh first locks the interventions, in id order, then
-- computes from a snapshot taken after the lock: each statement of a volatile function takes a
-- snapshot of its own, so the update sees every delivery committed before the lock was granted,
-- and the last refresh to commit never writes what an older snapshot saw. One call is one round
-- trip, so the lock is held for the function's own time, not for the client's. FOR NO KEY UPDATE
-- is the lock an update of a non-key column takes: it still serialises refreshes, but lets a
-- notification or agent task referencing the intervention be written meanwhile (a foreign key
-- check's FOR KEY SHARE, which FOR UPDATE would block).
create function engine_refresh_delivery_statuses(ids bigint[], at timestamptz) returns void
language plpgsql volatile as $$
begin
  perform 1 from interventions where intervention_id = any(ids) order by intervention_id for no key update;
  update interventions i
     set delivery_status = coalesce((
           select d.status from deliveries d
            where d.intervention_id = i.intervention_id and d.intervention_date = i.intervention_date
            order by array_position(array['clicked','opened','delivered','sent','outbox','sending','scheduled','pending','unknown','bounced','failed','suppressed']::text[], d.status)
            limit 1), i.delivery_status),
         updated_at = at
   where i.intervention_id = any(ids);
end
$$;

-- Down Migration
drop function if exists engine_refresh_delivery_statuses(bigint[], timestamptz);
