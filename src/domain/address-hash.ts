// The key an opt-out is kept under: a keyed hash (HMAC-SHA256) of the address it came from, so
// that every customer who has that address is suppressed — two customers on one number, or a
// customer imported later with an address that once said STOP — and so that the opt-out can
// outlive the address itself once a customer's personal data is erased. Pure (node:crypto only).
//
// The address is normalised first, the same way wherever it comes from (a provider's webhook, the
// customers table): a phone number to E.164 ('+34 611 00 00 02' → '+34611000002'), an email
// address trimmed and lower-cased. Lower-casing the local part may join two mailboxes that a
// server would tell apart; for an opt-out, suppressing one address too many is the safe side.
import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Channel } from './types.js';

export type AddressKind = 'email' | 'phone';

/** Which of a customer's addresses a channel reaches; null for a channel without one (in-app). */
export function addressKindOf(channel: Channel): AddressKind | null {
  switch (channel) {
    case 'email':
      return 'email';
    case 'sms':
    case 'phone':
      return 'phone';
    case 'app_notification':
      return null;
  }
}

/** The address as it is hashed, or null when there is none. */
export function normalizeAddress(kind: AddressKind, address: string): string | null {
  if (kind === 'email') {
    const email = address.normalize('NFC').trim().toLowerCase();
    return email === '' ? null : email;
  }
  const parsed = parsePhoneNumberFromString(address.trim());
  if (parsed) return parsed.number;
  // Not a number libphonenumber can read (a short code, a national number without its country):
  // compared as written, without the spaces and separators people put in numbers.
  const compact = address.replace(/[\s().-]/g, '');
  return compact === '' ? null : compact;
}

/** HMAC-SHA256 of the normalised address, hex; null when there is no address. */
export function addressHash(key: string, kind: AddressKind, address: string | null): string | null {
  if (address === null) return null;
  const normalized = normalizeAddress(kind, address);
  return normalized === null ? null : createHmac('sha256', key).update(`${kind}:${normalized}`).digest('hex');
}

/** The hash of the address `channel` reaches the customer at, or null (no address, or a channel without one). */
export function channelAddressHash(key: string, channel: Channel, customer: { email: string | null; phone: string | null }): string | null {
  const kind = addressKindOf(channel);
  if (kind === null) return null;
  return addressHash(key, kind, kind === 'email' ? customer.email : customer.phone);
}
