// The whole months that hold a job's deliveries: the bounds its statements are planned within,
// and as the job carries them.
import { describe, expect, it } from 'vitest';
import { monthsFromJson, monthsHolding, monthsToJson } from '../../src/domain/months.js';

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

describe('months as a job carries them', () => {
  it('come back as they went', () => {
    const months = monthsHolding([at('2026-12-31T23:59:59.999Z'), at('2027-02-01T00:00:00Z')]);
    expect(monthsToJson(months)).toEqual({ from: '2026-12-01T00:00:00.000Z', until: '2027-03-01T00:00:00.000Z' });
    expect(monthsFromJson(monthsToJson(months))).toEqual(months);
  });

  it('are none for a job that carries none, or none that bound anything', () => {
    expect(monthsFromJson(undefined)).toBeNull();
    expect(monthsFromJson({ from: 'soon', until: '2027-03-01T00:00:00.000Z' })).toBeNull();
    expect(monthsFromJson({ from: '2027-03-01T00:00:00.000Z', until: '2027-03-01T00:00:00.000Z' })).toBeNull();
    expect(monthsFromJson({ from: '2027-04-01T00:00:00.000Z', until: '2027-03-01T00:00:00.000Z' })).toBeNull();
  });
});
