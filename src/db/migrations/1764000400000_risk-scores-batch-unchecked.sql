-- Up Migration

-- risk_scores.batch_id records which batch brought a score. The foreign key checked it row by
-- row, a lookup in score_batches for every score of a nightly batch of millions: 18 of the 70
-- ms that storing 2,000 rows took (EXPLAIN ANALYZE). Only ingestion writes the column, with the
-- id of the batch row it created first, and nothing deletes batches, so the check bought nothing.
alter table risk_scores drop constraint if exists risk_scores_batch_id_fkey;

-- Down Migration
alter table risk_scores add constraint risk_scores_batch_id_fkey foreign key (batch_id) references score_batches (batch_id);
