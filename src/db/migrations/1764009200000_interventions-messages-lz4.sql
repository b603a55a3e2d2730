-- Up Migration

-- An intervention's rendered messages (about 3 kB of JSON for an email and an SMS, 4.7 kB with
-- every channel) are compressed as they are written, in the transaction that records the
-- decision. With lz4 rather than pglz, inserting 5,000 of them in statements of 250 took 92-123
-- µs a row against 120-168 µs (email and SMS), 147-163 against 227-246 µs (every channel), for
-- 5% more bytes stored. Values written before keep pglz; both
-- are read alike. A server built without lz4 (such as the embedded one the demo falls back to)
-- keeps pglz: the migration says so and goes on.
do $$
begin
  alter table interventions alter column messages set compression lz4;
exception when feature_not_supported then
  raise notice 'this PostgreSQL has no lz4: interventions.messages stays compressed with pglz';
end
$$;

-- Down Migration
alter table interventions alter column messages set compression default;
