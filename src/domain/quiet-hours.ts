// Quiet hours: SMS and calls only between, say, 08:00 and 21:00 in the customer's own time
// zone. DST-correct through luxon's IANA zone rules, never fixed offsets. Pure.
import { DateTime, IANAZone } from 'luxon';

export interface ContactWindow {
  /** 'HH:mm', local time */
  start: string;
  /** 'HH:mm', local time, exclusive */
  end: string;
}

export function isValidTimezone(timezone: string): boolean {
  return IANAZone.isValidZone(timezone);
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * `now` when it is inside the window in that zone; otherwise the next opening. When the
 * opening time does not exist that day (a DST gap), luxon moves it forward past the gap,
 * which is still the first moment the window is open.
 */
export function nextContactTime(now: Date, timezone: string, window: ContactWindow): Date {
  if (!isValidTimezone(timezone)) throw new Error(`unknown time zone '${timezone}'`);
  const local = DateTime.fromJSDate(now, { zone: timezone });
  const current = local.hour * 60 + local.minute + local.second / 60;
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (current >= start && current < end) return now;
  const day = current < start ? local : local.plus({ days: 1 });
  const opening = day.set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 });
  return opening.toJSDate();
}
