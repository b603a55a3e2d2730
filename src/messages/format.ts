// Amounts and dates as the customer reads them: in their locale, their currency, their zone.
import type { Customer, ScheduledPayment } from '../domain/types.js';

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (!value) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** '182.40' EUR for 'es' → '182,40 €'. The amount stays a decimal string until here: no float drift in cents. */
export function formatAmount(amount: string, currency: string, locale: string): string {
  const format = cached(numberFormats, `${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency }));
  return format.format(Number(amount));
}

/**
 * A due date is a calendar date, not an instant: '2026-12-01' is 1 December wherever the
 * customer lives. Formatting it at noon UTC in UTC keeps it that date in every zone.
 */
export function formatDueDate(dueDate: string, locale: string, style: 'long' | 'medium' = 'long'): string {
  const format = cached(dateFormats, `${locale}|${style}|date`, () => new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }));
  return format.format(new Date(`${dueDate}T12:00:00Z`));
}

/** An instant (when we will be in touch) in the customer's own time zone. */
export function formatInstant(at: Date, customer: Pick<Customer, 'locale' | 'timezone'>): string {
  const format = cached(dateFormats, `${customer.locale}|${customer.timezone}|instant`, () =>
    new Intl.DateTimeFormat(customer.locale, { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit', timeZone: customer.timezone }),
  );
  return format.format(at);
}

export function firstName(fullName: string): string {
  return fullName.trim().split(/\s+/)[0] ?? fullName;
}

export interface PaymentWords {
  amount: string;
  dueDate: string;
  dueDateShort: string;
}

export function paymentWords(payment: ScheduledPayment | null, locale: string): PaymentWords | null {
  if (!payment) return null;
  return {
    amount: formatAmount(payment.amount, payment.currency, locale),
    dueDate: formatDueDate(payment.dueDate, locale, 'long'),
    dueDateShort: formatDueDate(payment.dueDate, locale, 'medium'),
  };
}
