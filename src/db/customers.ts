// The customers table as the engine reads it: columns joined into other queries, mapped once.
import type { Customer } from '../domain/types.js';

/** The customer columns a query selects (left-joined, so each may be null). */
export interface CustomerColumns {
  customer_id: string;
  full_name: string | null;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  locale: string | null;
  sms_consent: boolean | null;
}

/** Missing values get the table's defaults: UTC, English, no SMS consent. */
export function customerFromRow(row: CustomerColumns): Customer {
  return {
    customerId: row.customer_id,
    fullName: row.full_name ?? '',
    email: row.email,
    phone: row.phone,
    timezone: row.timezone ?? 'UTC',
    locale: row.locale ?? 'en',
    smsConsent: row.sms_consent ?? false,
  };
}
