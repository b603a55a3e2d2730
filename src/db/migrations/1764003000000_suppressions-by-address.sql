-- Up Migration

-- An opt-out belongs to the address that gave it (a STOP from a number, a bounce or an
-- unsubscribe of an email address), so that it holds for every customer who has that address,
-- now or later. Such a row is keyed by address_hash, a keyed hash (HMAC-SHA256) of the
-- normalised address (src/domain/address-hash.ts), which can outlive the address itself when a
-- customer's personal data is erased. A row keyed by customer_id holds what is the customer's
-- own: an unsubscribe link's choice (which follows the customer to a new address), a channel
-- without an address, a customer with no address on file. A row is one or the other.
alter table suppressions drop constraint suppressions_pkey;
alter table suppressions add column suppression_id bigint generated always as identity primary key;
alter table suppressions alter column customer_id drop not null;
alter table suppressions add column address_hash text;
alter table suppressions add constraint suppressions_keyed_once check ((customer_id is null) <> (address_hash is null));
alter table suppressions add constraint suppressions_customer_channel unique (customer_id, channel);
alter table suppressions add constraint suppressions_address_channel unique (channel, address_hash);

-- The rows already here were keyed by customer. Their addresses are hashed when a process starts
-- (hashPendingSuppressions), not here: the hash needs the phone number in E.164 as libphonenumber
-- reads it, which SQL cannot do, and every writer must hash an address the same way. Until then
-- each row keeps suppressing its own customer, so no opt-out lapses in between.
alter table suppressions add column hash_pending boolean not null default false;
update suppressions set hash_pending = true where channel in ('email', 'sms', 'phone');

-- Down Migration
delete from suppressions where customer_id is null;
alter table suppressions drop column hash_pending;
alter table suppressions drop constraint suppressions_address_channel;
alter table suppressions drop constraint suppressions_customer_channel;
alter table suppressions drop constraint suppressions_keyed_once;
alter table suppressions drop column address_hash;
alter table suppressions alter column customer_id set not null;
alter table suppressions drop column suppression_id;
alter table suppressions add primary key (customer_id, channel);
