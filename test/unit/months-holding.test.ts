// The whole months that hold a job's deliveries: the bounds its statements are planned within.
import { describe, expect, it } from 'vitest';
import { monthsHolding } from '../../src/db/partitions.js';

const at = (iso: string) => new Date(iso);
const months = (dates: string[]) => {
  const { from, until } = monthsHolding(dates.map(at));
  return [from.toISOString(), until.toISOString()];
};

describe('monthsHolding', () => {
  it('gives the whole UTC month of a single date, its first and last instants included', () => {
    expect(months(['2027-03-01T00:00:00.000Z'])).toEqual(['2027-03-01T00:00:00.000Z', '2027-04-01T00:00:00.000Z']);
    expect(months(['2027-03-31T23:59:59.999Z'])).toEqual(['2027-03-01T00:00:00.000Z', '2027-04-01T00:00:00.000Z']);
  });

  it('spans from the earliest date\'s month to the month after the latest\'s, in any order and across a year', () => {
    expect(months(['2027-01-05T10:00:00Z', '2026-11-30T23:00:00Z', '2026-12-15T00:00:00Z'])).toEqual(['2026-11-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
    expect(months(['2026-12-31T23:59:59.999Z'])).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('refuses no dates rather than bounding nothing', () => {
    expect(() => monthsHolding([])).toThrow(/at least one date/);
  });
});
