-- Up Migration

-- Room on the pages of interventions for their updates, so that the updates are heap-only. An
-- intervention is updated as each of its deliveries settles (its delivery status) and when its
-- customer responds; none of those columns is indexed, but on full pages every updated version
-- went to another page and wrote an entry into each of the table's five indexes.
alter table interventions set (fillfactor = 70);

-- Down Migration
alter table interventions reset (fillfactor);
