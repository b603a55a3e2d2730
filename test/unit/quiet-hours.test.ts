// Quiet hours in the customer's own time zone, at exact instants, across DST changes.
import { describe, expect, it } from 'vitest';
import { isValidTimezone, nextContactTime } from '../../src/domain/quiet-hours.js';

const window = { start: '08:00', end: '21:00' };
const at = (iso: string) => new Date(iso);

describe('nextContactTime', () => {
  it.each([
    // [what, now (UTC), zone, expected (UTC)]
    ['Tokyo 23:30 waits until 08:00 the next morning', '2026-11-25T14:30:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00Z'],
    ['Tokyo 07:59 waits one minute', '2026-11-25T22:59:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00Z'],
    ['Tokyo 08:00 exactly is open', '2026-11-25T23:00:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00Z'],
    ['Tokyo 20:59 is open', '2026-11-25T11:59:00Z', 'Asia/Tokyo', '2026-11-25T11:59:00Z'],
    ['Tokyo 21:00 exactly is closed until the next morning', '2026-11-25T12:00:00Z', 'Asia/Tokyo', '2026-11-25T23:00:00Z'],
    ['Madrid 03:00 in winter (UTC+1) opens at 07:00 UTC', '2026-11-25T02:00:00Z', 'Europe/Madrid', '2026-11-25T07:00:00Z'],
    ['Madrid 03:00 in summer (UTC+2) opens at 06:00 UTC', '2026-07-01T01:00:00Z', 'Europe/Madrid', '2026-07-01T06:00:00Z'],
    // 2026-03-08: New York springs forward at 02:00 (EST → EDT); 08:00 that day is 12:00 UTC.
    ['New York 01:30 on the spring-forward night opens at 08:00 EDT', '2026-03-08T06:30:00Z', 'America/New_York', '2026-03-08T12:00:00Z'],
    // 2026-11-01: New York falls back at 02:00 (EDT → EST); 08:00 that day is 13:00 UTC.
    ['New York 01:30 on the fall-back night opens at 08:00 EST', '2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01T13:00:00Z'],
    ['New York 22:00 the evening before spring-forward opens at 08:00 EDT', '2026-03-08T03:00:00Z', 'America/New_York', '2026-03-08T12:00:00Z'],
    // Lord Howe Island shifts by half an hour (UTC+10:30 → UTC+11 on 2026-10-04).
    ['Lord Howe 05:00 on its DST day opens at 08:00 UTC+11', '2026-10-03T18:00:00Z', 'Australia/Lord_Howe', '2026-10-03T21:00:00Z'],
    ['London 21:30 opens at 08:00 the next day', '2026-11-25T21:30:00Z', 'Europe/London', '2026-11-26T08:00:00Z'],
  ])('%s', (_what, now, zone, expected) => {
    expect(nextContactTime(at(now), zone, window).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('moves an opening that falls in a DST gap to the first moment after it', () => {
    // A window opening at 02:30 on New York's spring-forward day: 02:30 does not exist that day.
    const opening = nextContactTime(at('2026-03-08T06:00:00Z'), 'America/New_York', { start: '02:30', end: '21:00' });
    expect(opening.toISOString()).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
  });

  it('refuses an unknown time zone with a clear error', () => {
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(() => nextContactTime(at('2026-11-25T12:00:00Z'), 'Mars/Olympus_Mons', window)).toThrow("unknown time zone 'Mars/Olympus_Mons'");
  });
});
