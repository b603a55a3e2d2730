// The customers table as the engine reads it: columns joined into other queries, mapped once.
import type { Customer } from '../domain/types.js';
import type { Queryable } from './pool.js';

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

/** The customer's addresses now, or null for a customer we do not know. */
export async function findCustomerAddresses(db: Queryable, customerId: string): Promise<{ email: string | null; phone: string | null } | null> {
  const { rows } = await db.query<{ email: string | null; phone: string | null }>('select email, phone from customers where customer_id = $1', [customerId]);
  return rows[0] ?? null;
}
