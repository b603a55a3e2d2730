// Whether a customer may be contacted on a channel at all: opt-outs, consent, addresses.
// Pure, so that every rule is tested without a database.
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import type { Channel, Customer } from './types.js';

export type ContactBlock = { status: 'suppressed' | 'failed'; reason: string } | null;

export function contactBlock(channel: Channel, customer: Customer, suppressedBecause: string | null): ContactBlock {
  if (suppressedBecause) return { status: 'suppressed', reason: `opted out of ${channel}: ${suppressedBecause}` };
  switch (channel) {
    case 'email':
      return customer.email ? null : { status: 'failed', reason: 'no email address on file' };
    case 'sms':
      if (!customer.smsConsent) return { status: 'suppressed', reason: 'no SMS consent' };
      if (!customer.phone) return { status: 'failed', reason: 'no phone number on file' };
      return isE164(customer.phone) ? null : { status: 'failed', reason: `not a valid E.164 phone number: ${customer.phone}` };
    case 'phone':
      return customer.phone ? null : { status: 'failed', reason: 'no phone number on file' };
    case 'app_notification':
      return null;
  }
}

export function isE164(phone: string): boolean {
  return /^\+[1-9]\d{6,14}$/.test(phone) && isValidPhoneNumber(phone);
}
