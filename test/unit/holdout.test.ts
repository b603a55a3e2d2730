// The holdout group: the configured share of customers, the same ones on every call and every
// machine, reshuffled only by a new salt.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdoutBucket, isHoldout } from '../../src/domain/holdout.js';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';

const ids = (n: number, prefix = 'C') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const share = (customerIds: string[], percent: number, salt: string) =>
  customerIds.filter((id) => isHoldout(id, percent, salt)).length / customerIds.length;

describe('isHoldout', () => {
  const population = ids(100_000);

  it('holds out 5% ± 0.4% of 100,000 customers at the default 5%', () => {
    const held = share(population, 5, DEFAULT_POLICY.holdout.salt);
    expect(held).toBeGreaterThanOrEqual(0.046);
    expect(held).toBeLessThanOrEqual(0.054);
  });

  it.each([1, 20, 50])('holds out %s% of 100,000 customers within 0.5 points', (percent) => {
    expect(Math.abs(share(population, percent, 'another-salt') - percent / 100)).toBeLessThan(0.005);
  });

  it('gives the same answer for the same customer on every call', () => {
    const some = ids(20_000);
    const first = some.filter((id) => isHoldout(id, 5, 'salt'));
    const second = some.filter((id) => isHoldout(id, 5, 'salt'));
    expect(second).toEqual(first);
    expect(first.length).toBeGreaterThan(0);
  });

  it('gives the same answer on every machine and release: sha256 of salt:id, first 32 bits', () => {
    // Pinned: a change here would silently move customers between the groups mid-experiment.
    expect(holdoutBucket('C1', 'salt')).toBe(0.4885258686263114);
    const customers = Array.from({ length: 400 }, (_, i) => `CUST-${String(i).padStart(5, '0')}`);
    const held = customers.flatMap((id, i) => (isHoldout(id, 5, 'intervention-holdout-v1') ? [i] : []));
    expect(held).toEqual([2, 18, 21, 23, 92, 104, 129, 134, 148, 162, 185, 191, 207, 215, 218, 224, 283, 286, 306, 312, 315, 341, 399]);
  });

  it('never holds anyone out at 0% (or below), and everyone at 100% (or above)', () => {
    const some = ids(5_000);
    expect(share(some, 0, 's')).toBe(0);
    expect(share(some, -1, 's')).toBe(0);
    expect(share(some, 100, 's')).toBe(1);
    expect(share(some, 150, 's')).toBe(1);
  });

  it('raising the percent only adds customers to the group, never swaps them', () => {
    const some = ids(20_000);
    const atFive = some.filter((id) => isHoldout(id, 5, 's'));
    const atTen = new Set(some.filter((id) => isHoldout(id, 10, 's')));
    expect(atFive.every((id) => atTen.has(id))).toBe(true);
    expect(atTen.size).toBeGreaterThan(atFive.length);
  });

  it('a new salt reshuffles the group: about 5% of one group is in the other', () => {
    const some = ids(40_000);
    const a = some.filter((id) => isHoldout(id, 5, 'salt-a'));
    const b = new Set(some.filter((id) => isHoldout(id, 5, 'salt-b')));
    const overlap = a.filter((id) => b.has(id)).length / a.length;
    expect(overlap).toBeGreaterThan(0.02);
    expect(overlap).toBeLessThan(0.08);
  });

});

describe('holdoutBucket', () => {
  it('is always in [0, 1) and agrees with isHoldout at any percent', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.double({ min: 0.001, max: 99.999, noNaN: true }), (id, salt, percent) => {
        const bucket = holdoutBucket(id, salt);
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(1);
        expect(isHoldout(id, percent, salt)).toBe(bucket < percent / 100);
      }),
    );
  });
});
