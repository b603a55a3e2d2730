-- Up Migration

-- Customers whose personal data was erased, and when. No personal data here: the id, the time,
-- and how many rows of each table were rewritten. A provider's event that arrives later about a
-- delivery made before the erasure is stored already erased (erased_event_payload).
create table erasures (
  customer_id text primary key,
  erased_at timestamptz not null,
  erased jsonb not null
);

-- What of a provider's event payload outlives the erasure of the customer it is about: the
-- provider's ids, the event's kind, time and codes, and our own ids. Everything else goes,
-- whether or not we know it to hold an address or a text (email, From, To, Body, reason, url,
-- ip, useragent, the sender's city…): a field the provider adds later is dropped too.
create function erased_event_payload(payload jsonb) returns jsonb
language sql immutable as $$
  select coalesce(case when jsonb_typeof(payload) = 'object' then
           (select jsonb_object_agg(key, value) from jsonb_each(payload)
             where key in ('event', 'timestamp', 'sg_event_id', 'sg_message_id', 'type', 'status', 'bounce_classification', 'attempt',
                           'delivery_id', 'intervention_id', 'customer_id',
                           'MessageSid', 'SmsSid', 'SmsMessageSid', 'MessageStatus', 'SmsStatus', 'ErrorCode', 'AccountSid',
                           'ApiVersion', 'NumSegments', 'NumMedia')) end, '{}'::jsonb)
         || '{"erased": true}'::jsonb
$$;

-- Erasure finds a customer's agent tasks by customer.
create index agent_tasks_customer on agent_tasks (customer_id);

-- Down Migration
drop index if exists agent_tasks_customer;
drop function if exists erased_event_payload(jsonb);
drop table if exists erasures;
