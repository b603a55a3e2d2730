// Signed unsubscribe tokens: the link (and List-Unsubscribe header) of an email names the customer,
// and only we can make one, so nobody can unsubscribe someone else. Pure (node:crypto only).
//
// Format: `u1.<base64url(customer id)>.<base64url(first 16 bytes of HMAC-SHA256)>`. The MAC covers
// the version and the channel ('email') too, so a token made for this purpose proves nothing else.
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'u1';
const CHANNEL = 'email';
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}.${CHANNEL}.${payload}`).digest().subarray(0, MAC_BYTES);
}

export function signUnsubscribeToken(customerId: string, secret: string): string {
  if (secret.length === 0) throw new Error('signUnsubscribeToken: the signing secret is empty');
  if (customerId.length === 0) throw new Error('signUnsubscribeToken: the customer id is empty');
  const payload = Buffer.from(customerId, 'utf8').toString('base64url');
  return `${VERSION}.${payload}.${mac(payload, secret).toString('base64url')}`;
}

/** The customer id the token was made for, or null for anything forged, altered or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string): string | null {
  if (secret.length === 0) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [version, payload, signature] = parts as [string, string, string];
  if (version !== VERSION || !BASE64URL.test(payload) || !BASE64URL.test(signature)) return null;
  // Compared as text, so that a non-canonical spelling of the same bytes is refused too.
  const given = Buffer.from(signature, 'ascii');
  const expected = Buffer.from(mac(payload, secret).toString('base64url'), 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const customerId = Buffer.from(payload, 'base64url').toString('utf8');
  return customerId.length > 0 ? customerId : null;
}
