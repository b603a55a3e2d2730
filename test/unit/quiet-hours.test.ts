// Quiet hours in the customer's own time zone, at exact instants: ordinary days, zones without
// DST, spring-forward gaps, fall-back overlaps, half-hour shifts and a day missing from a calendar.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInsideContactWindow, isValidTimezone, nextContactTime, type ContactWindow } from '../../src/domain/quiet-hours.js';

const window = { start: '08:00', end: '21:00' };
const next = (nowIso: string, zone: string, w: ContactWindow = window) => nextContactTime(new Date(nowIso), zone, w).toISOString();

describe('nextContactTime on ordinary days', () => {
  it.each([
    // [promise, now (UTC), zone, expected (UTC)]
    ['Tokyo 23:30 waits until 08:00 the next morning', '2026-11-25T14:30:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00.000Z'],
    ['Tokyo 07:59 waits one minute', '2026-11-25T22:59:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00.000Z'],
    ['Tokyo 07:59:59.999 waits one millisecond', '2026-11-25T22:59:59.999Z', 'Asia/Tokyo', '2026-11-25T23:00:00.000Z'],
    ['Tokyo 08:00 exactly is open', '2026-11-25T23:00:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00.000Z'],
    ['Tokyo 20:59:59.999 is open', '2026-11-25T11:59:59.999Z', 'Asia/Tokyo', '2026-11-25T11:59:59.999Z'],
    ['Tokyo 21:00 exactly is closed until the next morning', '2026-11-25T12:00:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00.000Z'],
    ['Tokyo 00:00 waits until 08:00 the same day', '2026-11-25T15:00:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00.000Z'],
    ['Madrid 03:00 in winter (UTC+1) opens at 07:00 UTC', '2026-11-25T02:00:00Z', 'Europe/Madrid', '2026-11-25T07:00:00.000Z'],
    ['Madrid 03:00 in summer (UTC+2) opens at 06:00 UTC', '2026-07-01T01:00:00Z', 'Europe/Madrid', '2026-07-01T06:00:00.000Z'],
    ['London 21:30 in winter opens at 08:00 GMT the next day', '2026-11-25T21:30:00Z', 'Europe/London', '2026-11-26T08:00:00.000Z'],
    ['a New Year’s Eve evening in New York opens on 1 January', '2027-01-01T03:00:00Z', 'America/New_York', '2027-01-01T13:00:00.000Z'],
    ['UTC itself is a valid zone', '2026-11-25T05:00:00Z', 'UTC', '2026-11-25T08:00:00.000Z'],
  ])('%s', (_promise, now, zone, expected) => {
    expect(next(now, zone)).toBe(expected);
  });

  it('returns the very same instant when the window is open', () => {
    const now = new Date('2026-11-25T12:34:56.789Z');
    expect(nextContactTime(now, 'Europe/Madrid', window)).toBe(now);
  });
});

describe('nextContactTime across DST changes', () => {
  it.each([
    // New York 2026-03-08: 02:00 EST → 03:00 EDT. 08:00 that day is 12:00 UTC.
    ['New York 01:30 on the spring-forward night opens at 08:00 EDT', '2026-03-08T06:30:00Z', 'America/New_York', '2026-03-08T12:00:00.000Z'],
    ['New York 22:00 the evening before spring-forward opens at 08:00 EDT', '2026-03-08T03:00:00Z', 'America/New_York', '2026-03-08T12:00:00.000Z'],
    // New York 2026-11-01: 02:00 EDT → 01:00 EST. 08:00 that day is 13:00 UTC.
    ['New York 01:30 (first time) on the fall-back night opens at 08:00 EST', '2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01T13:00:00.000Z'],
    ['New York 01:30 (second time) on the fall-back night opens at 08:00 EST', '2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01T13:00:00.000Z'],
    ['New York 21:30 the evening before fall-back opens at 08:00 EST', '2026-11-01T01:30:00Z', 'America/New_York', '2026-11-01T13:00:00.000Z'],
    // London 2026-03-29 01:00 GMT → 02:00 BST; 2026-10-25 02:00 BST → 01:00 GMT.
    ['London 22:00 before spring-forward opens at 08:00 BST', '2026-03-28T22:00:00Z', 'Europe/London', '2026-03-29T07:00:00.000Z'],
    ['London 21:30 before fall-back opens at 08:00 GMT', '2026-10-24T20:30:00Z', 'Europe/London', '2026-10-25T08:00:00.000Z'],
    // Lord Howe Island shifts by half an hour: 2026-10-04 02:00 (UTC+10:30) → 02:30 (UTC+11).
    ['Lord Howe 05:00 on its spring-forward day opens at 08:00 UTC+11', '2026-10-03T18:00:00Z', 'Australia/Lord_Howe', '2026-10-03T21:00:00.000Z'],
    ['Lord Howe 22:00 before spring-forward opens at 08:00 UTC+11', '2026-10-03T11:30:00Z', 'Australia/Lord_Howe', '2026-10-03T21:00:00.000Z'],
    // 2026-04-05 02:00 (UTC+11) → 01:30 (UTC+10:30).
    ['Lord Howe 22:00 before fall-back opens at 08:00 UTC+10:30', '2026-04-04T11:00:00Z', 'Australia/Lord_Howe', '2026-04-04T21:30:00.000Z'],
  ])('%s', (_promise, now, zone, expected) => {
    expect(next(now, zone)).toBe(expected);
  });

  describe('a start time that does not exist that day opens when the gap ends', () => {
    it('New York, window from 02:30 on spring-forward day: opens at 03:00 EDT, the first open instant', () => {
      expect(next('2026-03-08T06:00:00Z', 'America/New_York', { start: '02:30', end: '21:00' })).toBe('2026-03-08T07:00:00.000Z');
      // …which the window itself agrees is open, and the millisecond before is not.
      expect(isInsideContactWindow(new Date('2026-03-08T07:00:00Z'), 'America/New_York', { start: '02:30', end: '21:00' })).toBe(true);
      expect(isInsideContactWindow(new Date('2026-03-08T06:59:59.999Z'), 'America/New_York', { start: '02:30', end: '21:00' })).toBe(false);
    });

    it('Lord Howe, window from 02:15 on its half-hour spring-forward: opens at 02:30 UTC+11', () => {
      expect(next('2026-10-03T14:30:00Z', 'Australia/Lord_Howe', { start: '02:15', end: '21:00' })).toBe('2026-10-03T15:30:00.000Z');
    });

    it('a window lying wholly inside the gap does not open that day, but the next', () => {
      // 02:10–02:50 never happens in New York on 2026-03-08; on the 9th 02:10 EDT is 06:10 UTC.
      expect(next('2026-03-08T06:00:00Z', 'America/New_York', { start: '02:10', end: '02:50' })).toBe('2026-03-09T06:10:00.000Z');
    });

    it('a window ending inside the gap closes when the clock jumps past its end', () => {
      const w = { start: '01:00', end: '02:30' };
      expect(next('2026-03-08T06:59:00Z', 'America/New_York', w)).toBe('2026-03-08T06:59:00.000Z'); // 01:59 EST: open
      expect(next('2026-03-08T07:00:00Z', 'America/New_York', w)).toBe('2026-03-09T05:00:00.000Z'); // 03:00 EDT: closed until tomorrow 01:00 EDT
    });
  });

  describe('a start time that happens twice opens at its first occurrence still ahead', () => {
    const w = { start: '01:30', end: '21:00' };
    it('New York, window from 01:30 on fall-back day, seen from the evening before: 01:30 EDT', () => {
      expect(next('2026-11-01T02:00:00Z', 'America/New_York', w)).toBe('2026-11-01T05:30:00.000Z');
    });

    it('New York, at 01:10 EST (after the first 01:30 has passed and the clock went back): 01:30 EST', () => {
      expect(next('2026-11-01T06:10:00Z', 'America/New_York', w)).toBe('2026-11-01T06:30:00.000Z');
    });

    it('New York, 01:40 is open both times round', () => {
      expect(next('2026-11-01T05:40:00Z', 'America/New_York', w)).toBe('2026-11-01T05:40:00.000Z');
      expect(next('2026-11-01T06:40:00Z', 'America/New_York', w)).toBe('2026-11-01T06:40:00.000Z');
    });

    it('Lord Howe, window from 01:45 on its half-hour fall-back day', () => {
      const lh = { start: '01:45', end: '21:00' };
      expect(next('2026-04-04T11:00:00Z', 'Australia/Lord_Howe', lh)).toBe('2026-04-04T14:45:00.000Z'); // 01:45 UTC+11
      expect(next('2026-04-04T15:05:00Z', 'Australia/Lord_Howe', lh)).toBe('2026-04-04T15:15:00.000Z'); // 01:35 UTC+10:30 → 01:45 UTC+10:30
    });
  });

  it('skips a day missing from the calendar (Samoa skipped 30 December 2011)', () => {
    // 21:30 on the 29th (UTC-10) → 08:00 on the 31st (UTC+14).
    expect(next('2011-12-30T07:30:00Z', 'Pacific/Apia')).toBe('2011-12-30T18:00:00.000Z');
  });
});

describe('isInsideContactWindow', () => {
  it.each([
    ['2026-11-25T07:00:00Z', true], // 08:00 Madrid
    ['2026-11-25T06:59:59.999Z', false],
    ['2026-11-25T19:59:59.999Z', true], // 20:59:59.999 Madrid
    ['2026-11-25T20:00:00Z', false], // 21:00 Madrid
  ])('%s in Madrid → %s', (at, inside) => {
    expect(isInsideContactWindow(new Date(at), 'Europe/Madrid', window)).toBe(inside);
  });
});

describe('bad arguments', () => {
  it('tells a valid IANA zone from an unknown one', () => {
    expect(isValidTimezone('Europe/Madrid')).toBe(true);
    expect(isValidTimezone('Australia/Lord_Howe')).toBe(true);
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimezone('')).toBe(false);
  });

  it('refuses an unknown time zone with a clear error', () => {
    expect(() => next('2026-11-25T12:00:00Z', 'Mars/Olympus_Mons')).toThrow("unknown time zone 'Mars/Olympus_Mons'");
    expect(() => isInsideContactWindow(new Date(), 'Nowhere', window)).toThrow("unknown time zone 'Nowhere'");
  });

  it.each([
    [{ start: '8:00', end: '21:00' }, "contact window start '8:00' is not a time such as '08:00'"],
    [{ start: '08:00', end: '24:00' }, "contact window end '24:00' is not a time such as '08:00'"],
    [{ start: '21:00', end: '08:00' }, 'contact window 21:00–08:00 must end after it starts'],
    [{ start: '08:00', end: '08:00' }, 'contact window 08:00–08:00 must end after it starts'],
  ])('refuses the window %j', (w, message) => {
    expect(() => next('2026-11-25T12:00:00Z', 'UTC', w)).toThrow(message);
  });
});

describe('properties around DST changes', () => {
  // Each zone with a day on which its clock jumps (forward or back), and two without DST.
  const zoneDays: [string, string][] = [
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
    ['Europe/London', '2026-03-29'],
    ['Europe/London', '2026-10-25'],
    ['Australia/Lord_Howe', '2026-10-04'],
    ['Australia/Lord_Howe', '2026-04-05'],
    ['Asia/Tokyo', '2026-11-25'],
    ['Asia/Kolkata', '2026-11-25'],
  ];
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  // Half of the windows start between 01:00 and 03:00, where these zones' clocks jump.
  const arbitraryWindow = fc
    .tuple(fc.oneof(fc.integer({ min: 0, max: 1438 }), fc.integer({ min: 60, max: 180 })), fc.integer({ min: 1, max: 1439 }))
    .filter(([a, b]) => a < b)
    .map(([a, b]) => ({ start: hhmm(a), end: hhmm(b) }));
  const arbitraryZoneAndNow = fc
    .tuple(fc.constantFrom(...zoneDays), fc.integer({ min: -38 * 60, max: 14 * 60 }))
    .map(([[zone, day], minutes]) => ({ zone, now: new Date(Date.parse(`${day}T00:00:00Z`) + minutes * 60_000) }));

  it('opens at the first instant the window is open: never earlier, never later', () => {
    fc.assert(
      fc.property(arbitraryZoneAndNow, arbitraryWindow, ({ zone, now }, w) => {
        const opening = nextContactTime(now, zone, w);
        expect(opening.getTime()).toBeGreaterThanOrEqual(now.getTime());
        expect(opening.getTime() - now.getTime()).toBeLessThan(3 * 86_400_000);
        expect(isInsideContactWindow(opening, zone, w)).toBe(true);
        if (opening.getTime() === now.getTime()) return;
        expect(isInsideContactWindow(new Date(opening.getTime() - 1), zone, w)).toBe(false);
        for (let t = now.getTime(); t < opening.getTime(); t += 5 * 60_000) {
          expect(isInsideContactWindow(new Date(t), zone, w)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
