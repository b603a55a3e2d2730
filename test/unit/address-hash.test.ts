// Opt-outs are kept under a keyed hash of the address: the same address written two ways is one
// key, two addresses are two, and without the key the hash says nothing.
import { describe, expect, it } from 'vitest';
import { addressHash, addressKindOf, channelAddressHash, normalizeAddress } from '../../src/domain/address-hash.js';

const KEY = 'test-address-key-0123456789';

describe('normalizeAddress', () => {
  it.each([
    ['phone', '+34611000002', '+34611000002'],
    ['phone', ' +34 611 00 00 02 ', '+34611000002'],
    ['phone', '+1 (800) 555-0100', '+18005550100'],
    ['phone', 'tel:+34611000002', '+34611000002'],
    ['phone', '12345', '12345'], // a short code: as written
    ['phone', '  ', null],
    ['email', ' Ana.Garcia@Example.COM ', 'ana.garcia@example.com'],
    ['email', 'jose\u0301@example.com', 'jos\u00e9@example.com'], // decomposed and composed accents are one address
    ['email', '', null],
  ] as const)('%s %j → %j', (kind, address, expected) => {
    expect(normalizeAddress(kind, address)).toBe(expected);
  });
});

describe('addressHash', () => {
  it('is one key for one address however it is written, and 64 hex characters', () => {
    const hash = addressHash(KEY, 'phone', '+34611000002');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(addressHash(KEY, 'phone', '+34 611 000 002')).toBe(hash);
    expect(addressHash(KEY, 'email', 'A@Example.com')).toBe(addressHash(KEY, 'email', ' a@example.com'));
  });

  it('differs between addresses, between kinds and between keys', () => {
    const hash = addressHash(KEY, 'phone', '+34611000002');
    expect(addressHash(KEY, 'phone', '+34611000003')).not.toBe(hash);
    expect(addressHash(`${KEY}x`, 'phone', '+34611000002')).not.toBe(hash);
    expect(addressHash(KEY, 'email', '12345')).not.toBe(addressHash(KEY, 'phone', '12345'));
  });

  it('keeps nothing of the address in the hash', () => {
    expect(addressHash(KEY, 'email', 'ana@example.com')).not.toMatch(/ana|example/);
  });

  it('is null when there is no address', () => {
    expect(addressHash(KEY, 'email', null)).toBeNull();
    expect(addressHash(KEY, 'email', '   ')).toBeNull();
  });
});

describe('channelAddressHash', () => {
  const customer = { email: 'ana@example.com', phone: '+34611000002' };

  it('hashes the address each channel reaches, and nothing for in-app notifications', () => {
    expect(channelAddressHash(KEY, 'email', customer)).toBe(addressHash(KEY, 'email', customer.email));
    expect(channelAddressHash(KEY, 'sms', customer)).toBe(addressHash(KEY, 'phone', customer.phone));
    expect(channelAddressHash(KEY, 'phone', customer)).toBe(addressHash(KEY, 'phone', customer.phone));
    expect(channelAddressHash(KEY, 'app_notification', customer)).toBeNull();
    expect(addressKindOf('app_notification')).toBeNull();
  });
});
