// Quiet hours (SPEC §5): SMS and calls only inside a daily window, e.g. 08:00–21:00, in the
// customer's own time zone. DST-correct through the zone's IANA rules, never fixed offsets. Pure.
import { DateTime, IANAZone } from 'luxon';

export interface ContactWindow {
  /** 'HH:mm' local time, inclusive */
  start: string;
  /** 'HH:mm' local time, exclusive; later than start (windows do not span midnight) */
  end: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Zone names already checked: luxon's check builds an Intl formatter each time, which a batch of thousands feels. */
const checkedZones = new Map<string, boolean>();

export function isValidTimezone(timezone: string): boolean {
  let valid = checkedZones.get(timezone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(timezone);
    // Bounded: the IANA database has about 600 names; anything else is not remembered.
    if (valid) checkedZones.set(timezone, valid);
  }
  return valid;
}

function zoneOf(timezone: string): IANAZone {
  if (!isValidTimezone(timezone)) throw new Error(`unknown time zone '${timezone}' (expected an IANA name such as 'Europe/Madrid')`);
  return IANAZone.create(timezone);
}

/** The window as minutes after local midnight. */
function windowMinutes(window: ContactWindow): { start: number; end: number } {
  const toMinutes = (hhmm: string, field: string) => {
    const match = HHMM.exec(hhmm);
    if (!match) throw new Error(`contact window ${field} '${hhmm}' is not a time such as '08:00'`);
    return Number(match[1]) * 60 + Number(match[2]);
  };
  const start = toMinutes(window.start, 'start');
  const end = toMinutes(window.end, 'end');
  if (start >= end) throw new Error(`contact window ${window.start}–${window.end} must end after it starts`);
  return { start, end };
}

function isOpenAt(ms: number, zone: IANAZone, window: { start: number; end: number }): boolean {
  const local = DateTime.fromMillis(ms, { zone });
  const minutes = local.hour * 60 + local.minute + (local.second * 1000 + local.millisecond) / MINUTE_MS;
  return minutes >= window.start && minutes < window.end;
}

/** Whether the customer's local wall-clock time at `at` is inside [start, end). */
export function isInsideContactWindow(at: Date, timezone: string, window: ContactWindow): boolean {
  return isOpenAt(at.getTime(), zoneOf(timezone), windowMinutes(window));
}

/**
 * `now` when the customer's local time is inside the window; otherwise the first instant after
 * `now` at which it is: the start time on the same local day, or on the next one.
 *
 * Around DST changes the answer is still the first open instant, as the wall clock reads it:
 * - a start time that does not exist that day (a spring-forward gap, e.g. 02:30 in New York on
 *   2026-03-08) opens at the end of the gap (03:00 EDT), not at luxon's shifted 03:30;
 * - a start time that happens twice (a fall-back overlap) opens at its first occurrence, or at
 *   its second when `now` falls between the two;
 * - a day missing from the calendar (Pacific/Apia, 2011-12-30) is skipped.
 * Throws for an unknown time zone or a malformed window: callers decide what that means.
 */
export function nextContactTime(now: Date, timezone: string, window: ContactWindow): Date {
  const zone = zoneOf(timezone);
  const minutes = windowMinutes(window);
  const nowMs = now.getTime();
  if (isOpenAt(nowMs, zone, minutes)) return now;
  const today = DateTime.fromMillis(nowMs, { zone });
  // Today's start, else tomorrow's; two spare days cover a calendar day skipped by the zone.
  for (let days = 0; days <= 3; days += 1) {
    const wallClock = Date.UTC(today.year, today.month - 1, today.day + days, 0, minutes.start);
    const opening = startInstants(wallClock, zone).find((ms) => ms > nowMs && isOpenAt(ms, zone, minutes));
    if (opening !== undefined) return new Date(opening);
  }
  throw new Error(`no contact window ${window.start}–${window.end} opens in ${timezone} within 3 days of ${now.toISOString()}`);
}

/**
 * The instants, earliest first, at which the local wall clock reads `wallClock` (a local time
 * written as if it were UTC): one on an ordinary day, two in a fall-back overlap, and in a
 * spring-forward gap the end of the gap, the first instant the clock reads later than it.
 */
function startInstants(wallClock: number, zone: IANAZone): number[] {
  // Offsets a day either side: zone offsets lie within ±14 h and transitions are weeks apart.
  const offsets = [...new Set([zone.offset(wallClock - DAY_MS), zone.offset(wallClock), zone.offset(wallClock + DAY_MS)])];
  const candidates = offsets.map((offset) => wallClock - offset * MINUTE_MS).sort((a, b) => a - b);
  const valid = candidates.filter((ms) => wallClock - zone.offset(ms) * MINUTE_MS === ms);
  if (valid.length > 0) return valid;
  const first = candidates[0];
  const last = candidates[candidates.length - 1];
  if (first === undefined || last === undefined) return [];
  return [transitionBetween(first, last, zone)];
}

/** The first millisecond in (low, high] with high's offset: where the clock jumped forward. */
function transitionBetween(low: number, high: number, zone: IANAZone): number {
  const after = zone.offset(high);
  let lo = low;
  let hi = high;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}
