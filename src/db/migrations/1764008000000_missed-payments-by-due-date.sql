-- Up Migration

-- The missed payments of a period, by due date. The effectiveness metrics join an intervention's
-- customer with the period's missed payments (src/db/intervention-scope.ts); without this index
-- that read is a scan of every payment ever recorded (payments_customer_due leads with the
-- customer), which grows with the years of a lender's history while the period stays 90 days.
-- Partial: missed payments are a small share of all payments, and the only ones the engine asks about.
create index if not exists payments_missed_due on payments (due_date) include (customer_id) where status = 'missed';

-- Down Migration
drop index if exists payments_missed_due;
