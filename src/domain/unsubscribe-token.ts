// Signed unsubscribe tokens: the link in an email names the customer, and only we can make
// one, so nobody can unsubscribe someone else. HMAC-SHA256, compared in constant time. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'u1';

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest();
}

export function signUnsubscribeToken(customerId: string, secret: string): string {
  const payload = Buffer.from(customerId, 'utf8').toString('base64url');
  return `${VERSION}.${payload}.${mac(payload, secret).subarray(0, 16).toString('base64url')}`;
}

/** The customer id the token was made for, or null for anything forged, altered or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string): string | null {
  const [version, payload, signature] = token.split('.');
  if (version !== VERSION || !payload || !signature || token.split('.').length !== 3) return null;
  const expected = mac(payload, secret).subarray(0, 16);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const customerId = Buffer.from(payload, 'base64url').toString('utf8');
  return customerId.length > 0 ? customerId : null;
}
