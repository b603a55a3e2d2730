// Unsubscribe tokens name the customer and only we can make them: anything forged, altered or
// malformed verifies as nobody.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../src/domain/unsubscribe-token.js';

describe('unsubscribe tokens', () => {
  it('round-trips the customer id, in a URL-safe token', () => {
    const token = signUnsubscribeToken('C-42', 'secret-a');
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(verifyUnsubscribeToken(token, 'secret-a')).toBe('C-42');
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('round-trips any customer id, dots, slashes and accents included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), fc.string({ minLength: 1, maxLength: 40 }), (id, secret) => {
        expect(verifyUnsubscribeToken(signUnsubscribeToken(id, secret), secret)).toBe(id);
      }),
    );
  });

  it('is deterministic per customer and secret, and differs between customers', () => {
    expect(signUnsubscribeToken('C-1', 's')).toBe(signUnsubscribeToken('C-1', 's'));
    expect(signUnsubscribeToken('C-1', 's')).not.toBe(signUnsubscribeToken('C-2', 's'));
  });

  it('refuses a token signed with another secret', () => {
    expect(verifyUnsubscribeToken(signUnsubscribeToken('C-42', 'secret-a'), 'secret-b')).toBeNull();
  });

  it("refuses a token whose customer id was swapped for someone else's", () => {
    const [version, , signature] = signUnsubscribeToken('C-42', 'secret-a').split('.');
    const forged = `${version}.${Buffer.from('C-43').toString('base64url')}.${signature}`;
    expect(verifyUnsubscribeToken(forged, 'secret-a')).toBeNull();
  });

  it('refuses malformed, truncated, padded or re-spelt tokens', () => {
    const token = signUnsubscribeToken('C-42', 'secret-a');
    const [version, payload, signature] = token.split('.') as [string, string, string];
    // The last base64url character of a 16-byte MAC carries 4 unused bits: flipping one decodes to the
    // same bytes, but it is not the token we issued.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respeltLast = alphabet[alphabet.indexOf(signature.at(-1)!) ^ 1]!;
    const respelt = `${version}.${payload}.${signature.slice(0, -1)}${respeltLast}`;
    expect(Buffer.from(respelt.split('.')[2]!, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    for (const bad of [
      '', 'u1', 'u1..', 'x.y.z', `${token}.extra`, token.slice(0, -2), `${token}==`, `u2.${payload}.${signature}`,
      `${version}.${payload}.`, `${version}..${signature}`, `${version}.${payload}+.${signature}`, respelt,
    ]) {
      expect(verifyUnsubscribeToken(bad, 'secret-a'), bad).toBeNull();
    }
  });

  it('refuses to sign with an empty secret or for nobody, and verifies nothing with an empty secret', () => {
    expect(() => signUnsubscribeToken('C-42', '')).toThrow(/secret is empty/);
    expect(() => signUnsubscribeToken('', 'secret-a')).toThrow(/customer id is empty/);
    expect(verifyUnsubscribeToken(signUnsubscribeToken('C-42', 'secret-a'), '')).toBeNull();
  });
});
