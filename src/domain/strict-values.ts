// Numbers and dates written as text, read strictly: what JavaScript's Number() and new Date()
// would quietly turn into something else ("0x1" into 1, 2026-02-30 into March 2nd) is refused.

// Decimal notation, with an optional exponent: Python's and R's CSV writers put small floats as
// 1e-05, so refusing exponents would refuse real batches. Hexadecimal, octal and binary literals,
// Infinity, NaN, a leading '+', thousands separators and inner spaces are not decimals.
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a decimal text says (surrounding spaces allowed), or null when it is not one. */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

// A calendar date, or a date and time with an optional offset: 2026-11-25, 2026-11-25T06:00Z,
// 2026-11-25 06:00:00.123+01:00. A time without an offset is UTC, whatever the server's zone.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The instant an ISO 8601 date or timestamp names, or null when it names none (2026-02-30, 24:00, +25:00). */
export function parseIsoInstant(text: string): Date | null {
  const match = ISO.exec(text.trim());
  if (!match) return null;
  // Read field by field: this runs for every row of a nightly batch of millions.
  const part = (index: number) => (match[index] === undefined ? 0 : Number(match[index]));
  const year = part(1), month = part(2), day = part(3), hour = part(4), minute = part(5), second = part(6);
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    // Offsets in use run from -12:00 to +14:00.
    if (hours > 14 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  if (offsetMinutes !== 0) date.setTime(date.getTime() - offsetMinutes * 60_000);
  return date;
}
