// Every template, rendered for customers in several languages, currencies and time zones: their own
// name, amount and due date appear, nothing is left unfilled, every SMS fits in two segments and
// carries the STOP wording, every email can be unsubscribed from in one click, and no wording
// judges, threatens or reveals why we are writing.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { smsSegments } from '../../src/domain/sms-segments.js';
import { CHANNELS, INTERVENTION_TYPES, type Customer, type InterventionType, type ScheduledPayment } from '../../src/domain/types.js';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../src/domain/unsubscribe-token.js';
import { formatAmount, formatChoices, formatDay, formatDueDate } from '../../src/messages/format.js';
import {
  loadAllTemplates,
  primaryMessageText,
  renderMessages,
  renderSmsVariants,
  templateLocale,
  type MessageContext,
} from '../../src/messages/render.js';
import type { RenderedMessages } from '../../src/messages/schema.js';
import { SmsTooLongError } from '../../src/errors.js';

const SECRET = 'secret-for-tests';
const sender = { name: 'Aurora Finance', email: 'care@aurora.example', phone: '+1 800 555 0100', helpUrl: 'https://aurora.example/help' };
const NBSP = '\u00a0';

interface Case {
  customer: Customer;
  payment: ScheduledPayment;
  /** as the customer reads them (written out here, not computed with the code under test) */
  amount: string;
  date: string;
  shortDate: string;
  optOut: string;
}

const customer = (customerId: string, fullName: string, locale: string, timezone: string): Customer => ({
  customerId,
  fullName,
  email: `${customerId.toLowerCase()}@example.com`,
  phone: '+15555550100',
  timezone,
  locale,
  smsConsent: true,
});
const EN = 'Reply STOP to opt out';
const ES = 'Responda STOP para darse de baja';

const cases: Case[] = [
  {
    customer: customer('C-US', "Liam O'Brien", 'en', 'America/Los_Angeles'),
    payment: { dueDate: '2026-12-01', amount: '1249.5', currency: 'USD' },
    amount: '$1,249.50', date: 'December 1, 2026', shortDate: 'Dec 1', optOut: EN,
  },
  {
    customer: customer('C-GB', 'Zoë Williams', 'en-GB', 'Pacific/Kiritimati'),
    payment: { dueDate: '2026-12-01', amount: '82.05', currency: 'GBP' },
    amount: '£82.05', date: '1 December 2026', shortDate: '1 Dec', optOut: EN,
  },
  {
    customer: customer('C-JP', 'Aiko Tanaka', 'en', 'Asia/Tokyo'),
    payment: { dueDate: '2026-11-30', amount: '45000', currency: 'JPY' },
    amount: '¥45,000', date: 'November 30, 2026', shortDate: 'Nov 30', optOut: EN,
  },
  {
    customer: customer('C-LONG', 'Christopher Alexander Montgomery-Featherstonehaugh', 'en', 'America/New_York'),
    payment: { dueDate: '2027-02-28', amount: '98765.43', currency: 'USD' },
    amount: '$98,765.43', date: 'February 28, 2027', shortDate: 'Feb 28', optOut: EN,
  },
  {
    customer: customer('C-ES', 'María José Fernández', 'es', 'Europe/Madrid'),
    payment: { dueDate: '2026-12-03', amount: '182.40', currency: 'EUR' },
    amount: `182,40${NBSP}€`, date: '3 de diciembre de 2026', shortDate: '3 dic', optOut: ES,
  },
  {
    customer: customer('C-MX', 'Sofía Hernández', 'es-MX', 'America/Mexico_City'),
    payment: { dueDate: '2027-01-15', amount: '2500', currency: 'MXN' },
    amount: '$2,500.00', date: '15 de enero de 2027', shortDate: '15 ene', optOut: ES,
  },
  {
    // 49 characters, accents (so UCS-2: 67 units a part) and a five-figure amount.
    customer: customer('C-ES-LONG', 'Maximiliano José Fernández-Castellanos de la Peña', 'es', 'Atlantic/Canary'),
    payment: { dueDate: '2026-09-30', amount: '12345.67', currency: 'EUR' },
    amount: `12.345,67${NBSP}€`, date: '30 de septiembre de 2026', shortDate: '30 sept', optOut: ES,
  },
];

// Words that judge, threaten, or reveal the signals behind the outreach. Checked in both languages,
// in every message, with and without a payment.
const FORBIDDEN = [
  /\brisk/i, /\bmodel/i, /algorithm/i, /we noticed/i, /we've noticed/i, /struggl/i, /delinquen/i, /failure to pay/i,
  /late fee/i, /final notice/i, /collection/i, /overdue/i, /arrears/i, /\bdefault/i, /\bscore/i, /\bmissed\b/i,
  /behind (on|with)/i, /valued customer/i, /penalt/i, /legal action/i,
  /riesgo/i, /modelo/i, /algoritmo/i, /moros/i, /impago/i, /hemos (notado|detectado|observado)/i, /deuda/i,
  /recargo/i, /penalizaci/i, /aviso final/i, /último aviso/i, /recobro/i, /atrasad/i, /retraso/i, /puntuaci/i,
];
const UNFILLED = [/\{\{/, /\}\}/, /\$XXX/i, /\[/, /\bundefined\b/, /\bNaN\b/, /\bnull\b/, /\[object Object\]/, /Invalid Date/];

const offersOf = (type: InterventionType) => DEFAULT_POLICY.tiers.find((tier) => tier.type === type)!.offers;
const unsubscribeUrlFor = (customerId: string) => `https://engine.example.com/unsubscribe/${signUnsubscribeToken(customerId, SECRET)}`;

function context(c: Pick<Case, 'customer'>, type: InterventionType, payment: ScheduledPayment | null): MessageContext {
  return {
    customer: c.customer,
    payment,
    type,
    offers: offersOf(type),
    contactBy: new Date('2026-11-26T15:00:00Z'),
    unsubscribeUrl: unsubscribeUrlFor(c.customer.customerId),
    sender,
  };
}

function allText(m: RenderedMessages): string[] {
  return [
    m.email?.subject, m.email?.text, m.email?.html, m.sms?.body,
    m.app_notification?.title, m.app_notification?.body, m.app_notification?.action.label,
    m.phone?.opening, ...(m.phone?.points ?? []), ...(m.phone?.offers ?? []), ...(m.phone?.record ?? []),
  ].filter((t): t is string => typeof t === 'string');
}

/** An SMS carries plain spaces where Intl writes no-break ones. */
const inSms = (value: string) => value.replace(/\s/g, ' ');

describe.each(cases)('messages for $customer.fullName ($customer.locale, $payment.currency, $customer.timezone)', (c) => {
  const first = c.customer.fullName.split(' ')[0]!;

  describe.each(INTERVENTION_TYPES)('%s', (type) => {
    const withPayment = renderMessages(context(c, type, c.payment), CHANNELS);
    const withoutPayment = renderMessages(context(c, type, null), CHANNELS);

    it('renders every channel, with and without a scheduled payment', () => {
      expect(Object.keys(withPayment).sort()).toEqual(['app_notification', 'email', 'phone', 'sms']);
      expect(Object.keys(withoutPayment).sort()).toEqual(['app_notification', 'email', 'phone', 'sms']);
    });

    it("greets the customer by their own name and names them in the call script", () => {
      for (const m of [withPayment, withoutPayment]) {
        expect(m.email!.subject).toContain(first);
        expect(m.email!.text).toContain(first);
        expect(m.sms!.body).toContain(first);
        expect(m.phone!.opening).toContain(c.customer.fullName);
      }
    });

    it("states the payment's amount in its currency and the customer's locale, and its calendar due date", () => {
      // Every email and call script names the payment (for wellness, as a planning aid only)…
      for (const text of [withPayment.email!.text, withPayment.email!.html, withPayment.phone!.points.join('\n')]) {
        expect(text).toContain(c.amount);
        expect(text).toContain(c.date);
      }
      // …and every short channel does too, except wellness, which puts no pressure on a payment.
      if (type !== 'financial_wellness') {
        expect(withPayment.app_notification!.body).toContain(c.amount);
        expect(withPayment.app_notification!.body).toContain(c.date);
        expect(withPayment.sms!.body).toContain(inSms(c.amount));
        expect(withPayment.sms!.body).toContain(c.shortDate);
      }
    });

    it('words a customer with no scheduled payment without one, leaving nothing unfilled', () => {
      for (const text of allText(withoutPayment)) {
        expect(text).not.toContain(c.amount);
        expect(text).not.toContain(c.date);
      }
      for (const text of [...allText(withPayment), ...allText(withoutPayment)]) {
        for (const pattern of UNFILLED) expect(text, `${pattern} in: ${text}`).not.toMatch(pattern);
      }
    });

    it('never uses words that judge, threaten or reveal the signals behind the outreach', () => {
      for (const text of [...allText(withPayment), ...allText(withoutPayment)]) {
        for (const pattern of FORBIDDEN) expect(text, `${pattern} in: ${text}`).not.toMatch(pattern);
      }
    });

    it('fits every SMS in two segments, counted honestly, with the sender and the STOP wording', () => {
      for (const m of [withPayment, withoutPayment]) {
        const sms = m.sms!;
        expect(sms.segments).toBeGreaterThanOrEqual(1);
        expect(sms.segments).toBeLessThanOrEqual(2);
        expect(smsSegments(sms.body)).toMatchObject({ encoding: sms.encoding, segments: sms.segments });
        expect(sms.body).toContain(c.optOut);
        expect(sms.body.startsWith(`${sender.name}:`)).toBe(true);
      }
    });

    it('says how to reach a person', () => {
      expect(withPayment.email!.text).toContain(sender.phone);
      expect(withPayment.email!.text).toContain(sender.helpUrl);
      expect(withPayment.email!.html).toContain(`href="${sender.helpUrl}"`);
      expect(withPayment.app_notification!.action.url).toBe(sender.helpUrl);
    });

    it('gives every email a signed unsubscribe link and the one-click unsubscribe headers (RFC 8058)', () => {
      const email = withPayment.email!;
      const url = unsubscribeUrlFor(c.customer.customerId);
      expect(email.headers).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
      expect(email.text).toContain(url);
      expect(email.html).toContain(`href="${url}"`);
      expect(verifyUnsubscribeToken(url.split('/').pop()!, SECRET)).toBe(c.customer.customerId);
    });

    it("lists the type's offers in the customer's language in the email and the call script", () => {
      expect(withPayment.phone!.offers).toHaveLength(offersOf(type).length);
      for (const offer of withPayment.phone!.offers) expect(withPayment.email!.text).toContain(offer);
    });
  });
});

describe('rendering details', () => {
  const us = cases[0]!;

  it("HTML-escapes names in the HTML email only: an apostrophe stays as typed in text, SMS and app", () => {
    const dArcy = { customer: { ...us.customer, fullName: "D'Arcy <b>O'Brien</b>" } };
    const m = renderMessages(context(dArcy, 'flexible_payment', us.payment), CHANNELS);
    expect(m.email!.text).toContain("Hi D'Arcy,");
    expect(m.email!.subject).toContain("D'Arcy");
    expect(m.sms!.body).toContain("D'Arcy");
    expect(m.phone!.opening).toContain("D'Arcy <b>O'Brien</b>");
    expect(m.email!.html).toContain('Hi D&#x27;Arcy,');
    expect(m.email!.html).not.toContain("D'Arcy");
    const html = renderMessages(context({ customer: { ...us.customer, fullName: '<b>Liam</b> Smith' } }, 'payment_reminder', us.payment), ['email']);
    expect(html.email!.html).toContain('&lt;b&gt;Liam&lt;/b&gt;');
    expect(html.email!.html).not.toContain('<b>Liam');
  });

  it('keeps the SMS wording itself in the GSM alphabet, so only a name or an amount can force UCS-2', () => {
    for (const [fullName, locale] of [['Liam Murphy', 'en'], ['Carmen Ortega', 'es']] as const) {
      for (const type of INTERVENTION_TYPES) {
        for (const payment of [us.payment, null]) {
          // Both wordings: the full one must not be pushed into UCS-2 (and so into the short one) by its own text.
          for (const variant of renderSmsVariants(context({ customer: { ...us.customer, fullName, locale } }, type, payment))) {
            expect(variant.encoding, `${variant.template}: ${variant.body}`).toBe('GSM-7');
          }
          // …and for such a name the full wording, with a phone number to call, is the one sent.
          const ctx = context({ customer: { ...us.customer, fullName, locale } }, type, payment);
          expect(renderMessages(ctx, ['sms']).sms!.body).toBe(renderSmsVariants(ctx)[0]!.body);
        }
      }
    }
  });

  it('sends the shorter SMS wording when an accented name makes the full one longer than two UCS-2 segments', () => {
    const spanish = cases.find((c) => c.customer.customerId === 'C-ES')!;
    const sms = renderMessages(context(spanish, 'flexible_payment', spanish.payment), ['sms']).sms!;
    expect(sms).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(sms.body).toBe('Aurora Finance: María, puede mover o dividir su pago de 182,40 € del 3 dic en la app. Responda STOP para darse de baja');
  });

  it('throws, naming the template, rather than cut an SMS that no wording fits in two segments', () => {
    const ctx = { ...context(us, 'flexible_payment', us.payment), sender: { ...sender, name: 'Aurora Finance Consumer Lending Services '.repeat(8) } };
    expect(() => renderMessages(ctx, ['sms'])).toThrow(SmsTooLongError);
    expect(() => renderMessages(ctx, ['sms'])).toThrow(/template en\/flexible_payment\/sms\.short\.hbs renders [3-9] SMS segments/);
    expect(() => renderMessages(ctx, ['email', 'app_notification', 'phone'])).not.toThrow();
  });

  it('says how to reach a person when the lender has no phone number configured', () => {
    const { phone: _phone, ...noPhone } = sender;
    for (const type of INTERVENTION_TYPES) {
      const m = renderMessages({ ...context(us, type, us.payment), sender: noPhone }, CHANNELS);
      expect(m.email!.text).toContain(`visit ${sender.helpUrl}`);
      expect(m.email!.text).not.toMatch(/call us on/);
      for (const text of allText(m)) for (const pattern of UNFILLED) expect(text).not.toMatch(pattern);
    }
  });

  it('promises the call by the day contactBy falls on in the customer’s own time zone', () => {
    // 15:00 UTC on 26 November is 07:00 on Thursday 26th in Los Angeles and 05:00 on Friday 27th in Kiritimati (UTC+14).
    const la = renderMessages(context(us, 'payment_assistance', us.payment), ['email']).email!.text;
    expect(la).toContain('will call you by Thursday, November 26');
    const kiritimati = cases.find((c) => c.customer.timezone === 'Pacific/Kiritimati')!;
    const ki = renderMessages(context(kiritimati, 'payment_assistance', kiritimati.payment), ['email']).email!.text;
    expect(ki).toContain('will call you by Friday 27 November');
    // …while the due date, a calendar date, is 1 December in both.
    expect(la).toContain('December 1, 2026');
    expect(ki).toContain('1 December 2026');
  });

  it("falls back from es-MX to es and from a language without templates to English, with English dates", () => {
    expect(templateLocale('es-MX')).toBe('es');
    expect(templateLocale('ES')).toBe('es');
    expect(templateLocale('es_MX')).toBe('es');
    expect(templateLocale('en-GB')).toBe('en');
    expect(templateLocale('fr')).toBe('en');
    expect(templateLocale('../../etc')).toBe('en');
    const french = { customer: { ...us.customer, locale: 'fr-FR' } };
    const m = renderMessages(context(french, 'flexible_payment', { dueDate: '2026-12-01', amount: '1249.50', currency: 'EUR' }), ['email']);
    expect(m.email!.text).toContain('Your next payment of €1,249.50 is due on December 1, 2026.');
    expect(renderMessages(context({ customer: { ...us.customer, locale: 'not a locale!' } }, 'payment_reminder', us.payment), ['sms']).sms!.body).toContain('Dec 1');
  });

  it('has a complete set of templates for every locale directory', () => {
    expect(loadAllTemplates()).toEqual(['en', 'es']);
  });

  it('uses the first channel’s message as message_sent', () => {
    const m = renderMessages(context(us, 'flexible_payment', us.payment), CHANNELS);
    expect(primaryMessageText(m, ['sms', 'email'])).toBe(m.sms!.body);
    expect(primaryMessageText(m, ['email', 'sms'])).toBe(m.email!.text);
    expect(primaryMessageText(m, ['app_notification'])).toBe(m.app_notification!.body);
    expect(primaryMessageText(m, ['phone', 'email'])).toBe(m.phone!.opening);
    expect(primaryMessageText({}, ['sms'])).toBeNull();
  });
});

describe('formatting amounts and due dates', () => {
  it('keeps every cent of a decimal string, in the currency’s own digits', () => {
    expect(formatAmount('0.10', 'USD', 'en')).toBe('$0.10');
    expect(formatAmount('1249.5', 'USD', 'en')).toBe('$1,249.50');
    expect(formatAmount('9999999999.99', 'USD', 'en')).toBe('$9,999,999,999.99');
    expect(formatAmount('1234567.89', 'EUR', 'es')).toBe(`1.234.567,89${NBSP}€`);
    expect(formatAmount('45000', 'JPY', 'en')).toBe('¥45,000');
    expect(formatAmount('2500', 'MXN', 'es-MX')).toBe('$2,500.00');
  });

  it('refuses an amount or a currency it cannot format, rather than print NaN', () => {
    expect(() => formatAmount('12,50', 'EUR', 'es')).toThrow(/not a decimal amount/);
    expect(() => formatAmount('', 'EUR', 'es')).toThrow(/not a decimal amount/);
    expect(() => formatAmount('10', 'EURO', 'es')).toThrow(/currency 'EURO'/);
  });

  it('shows a due date on its calendar day, whatever the zone (it is formatted as a date, not an instant)', () => {
    expect(formatDueDate('2026-12-01', 'en')).toBe('December 1, 2026');
    expect(formatDueDate('2026-12-01', 'en-GB')).toBe('1 December 2026');
    expect(formatDueDate('2026-12-01', 'es')).toBe('1 de diciembre de 2026');
    expect(formatDueDate('2026-12-31', 'en', 'short')).toBe('Dec 31');
    expect(formatDueDate('2027-01-01', 'es', 'short')).toBe('1 ene');
    expect(() => formatDueDate('2026-02-30', 'en')).toThrow(/not a calendar date/);
    expect(() => formatDueDate('2026-12-01T00:00:00Z', 'en')).toThrow(/not a calendar date/);
  });

  it('gives a remembered date, day or list exactly as it formatted it, in each locale, zone and style, also past the bound of what it keeps', () => {
    const at = new Date('2026-12-04T23:30:00Z');
    const firsts = [formatDueDate('2026-12-01', 'en'), formatDueDate('2026-12-01', 'es'), formatDueDate('2026-12-01', 'en', 'short'), formatDay(at, 'en', 'UTC'), formatDay(at, 'en', 'Asia/Tokyo'), formatDay(at, 'en', 'Asia/Tokyo', 'short'), formatChoices(['a', 'b', 'c'], 'en'), formatChoices(['a', 'b, c'], 'en')];
    expect(firsts).toEqual(['December 1, 2026', '1 de diciembre de 2026', 'Dec 1', 'Friday, December 4', 'Saturday, December 5', 'Dec 5', 'a, b, or c', 'a or b, c']);
    // Twelve thousand other days: more than it keeps.
    for (let day = 0; day < 12_000; day += 1) formatDay(new Date(at.getTime() + day * 86_400_000), 'es', 'Europe/Madrid', 'short');
    expect([formatDueDate('2026-12-01', 'en'), formatDueDate('2026-12-01', 'es'), formatDueDate('2026-12-01', 'en', 'short'), formatDay(at, 'en', 'UTC'), formatDay(at, 'en', 'Asia/Tokyo'), formatDay(at, 'en', 'Asia/Tokyo', 'short'), formatChoices(['a', 'b', 'c'], 'en'), formatChoices(['a', 'b, c'], 'en')]).toEqual(firsts);
    // A refused date is refused every time, not remembered.
    expect(() => formatDueDate('2026-02-30', 'en')).toThrow(/not a calendar date/);
    expect(() => formatDueDate('2026-02-30', 'en')).toThrow(/not a calendar date/);
  });
});
