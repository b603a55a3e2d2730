// Amounts and dates as the customer reads them: in their locale and currency, and for instants, in
// their time zone. Formatters are costly to build, so each is built once per locale (and zone).

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** What `cache` holds under `key`, made the first time; a cache with a bound is emptied when it reaches it. */
function cached<T>(cache: Map<string, T>, key: string, make: () => T, bound = Infinity): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= bound) cache.clear();
    cache.set(key, value);
  }
  return value;
}

// The same few due dates, days and offer lists come back customer after customer in a batch, and
// looking a formatted string up costs a fraction of formatting it again: they are kept, by what
// they were made from, up to a bound (then forgotten all at once, as a new day's dates arrive).
const formatted = new Map<string, string>();
const MAX_FORMATTED = 10_000;

const remembered = (key: string, format: () => string): string => cached(formatted, key, format, MAX_FORMATTED);

const DECIMAL = /^-?\d{1,15}(\.\d{1,4})?$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * '1249.5' USD for 'en' → '$1,249.50'; '182.40' EUR for 'es' → '182,40 €' (with a no-break space).
 * The amount arrives as the database's decimal string: numeric(12,2) has at most 12 significant
 * digits, which a double holds exactly, so no cent is lost on the way to Intl.
 */
export function formatAmount(amount: string, currency: string, locale: string): string {
  if (!DECIMAL.test(amount)) throw new Error(`formatAmount: '${amount}' is not a decimal amount`);
  const format = cached(numberFormats, `${locale}|${currency}`, () => {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch (error) {
      throw new Error(`formatAmount: cannot format currency '${currency}' for locale '${locale}': ${(error as Error).message}`);
    }
  });
  return format.format(Number(amount));
}

/**
 * A due date is a calendar date, not an instant: '2026-12-01' is 1 December for a customer in
 * Los Angeles and for one in Kiritimati (UTC+14). Noon UTC shown in the customer's zone would
 * still slip a day at UTC+13/+14, so the date is placed at midnight UTC and shown in UTC: the
 * calendar day the lender wrote, in the customer's language.
 */
export function formatDueDate(dueDate: string, locale: string, style: 'long' | 'short' = 'long'): string {
  return remembered(`due|${dueDate}|${locale}|${style}`, () => {
    const match = CALENDAR_DATE.exec(dueDate);
    const at = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
    if (!at || at.toISOString().slice(0, 10) !== dueDate) throw new Error(`formatDueDate: '${dueDate}' is not a calendar date (YYYY-MM-DD)`);
    const format = cached(dateFormats, `due|${locale}|${style}`, () =>
      style === 'long'
        ? new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' })
        : new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
    );
    return format.format(at);
  });
}

/**
 * The day an instant falls on in the customer's time zone: 'Friday, November 27' (long) or
 * 'Nov 27' (short, for SMS).
 */
export function formatDay(at: Date, locale: string, timeZone: string, style: 'long' | 'short' = 'long'): string {
  return remembered(`day|${at.getTime()}|${locale}|${timeZone}|${style}`, () => {
    const format = cached(dateFormats, `day|${locale}|${timeZone}|${style}`, () => {
      try {
        return style === 'long'
          ? new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone })
          : new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone });
      } catch (error) {
        throw new Error(`formatDay: cannot format for locale '${locale}' in time zone '${timeZone}': ${(error as Error).message}`);
      }
    });
    return format.format(at);
  });
}

const listFormats = new Map<string, Intl.ListFormat>();

/** 'a, b, or c' in English, 'a, b o c' in Spanish: offers joined as the customer's language joins choices. */
export function formatChoices(items: readonly string[], locale: string): string {
  return remembered(`list|${locale}|${items.join('\u0000')}`, () =>
    cached(listFormats, locale, () => new Intl.ListFormat(locale, { style: 'long', type: 'disjunction' })).format(items),
  );
}

/** A BCP 47 tag Intl accepts, or null ('en_US', '' and the like). */
export function canonicalLocale(locale: string): string | null {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? null;
  } catch (error) {
    // A RangeError is Intl's answer for a malformed tag: the caller falls back to the template's language.
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/** The name we greet someone by: the first word of their full name ('María José Fernández' → 'María'). */
export function firstName(fullName: string): string {
  return fullName.trim().split(/\s+/)[0] ?? '';
}

/** A language's name in that language, as a chooser shows it to those who read it: 'es' → 'Español'. */
export function languageName(locale: string): string {
  const name = new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
  return name.charAt(0).toLocaleUpperCase(locale) + name.slice(1);
}
