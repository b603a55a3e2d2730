// What `npm run preview -- [--type TYPE] [--locale LOCALE] [--channel CHANNEL] [--no-payment] [--name NAME] [--out DIR]`
// prints: an intervention's messages rendered for a sample customer, so that a person can read
// every template as a customer would receive it (both SMS wordings, and which one would be sent).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { signUnsubscribeToken } from '../domain/unsubscribe-token.js';
import { CHANNELS, INTERVENTION_TYPES, type Channel, type Customer, type InterventionType, type ScheduledPayment } from '../domain/types.js';
import { InputError } from '../errors.js';
import { availableLocales, renderMessages, renderSmsVariants, templateLocale, type MessageContext } from '../messages/render.js';
import type { RenderedMessages } from '../messages/schema.js';

const USAGE =
  'usage: npm run preview -- [--type TYPE] [--locale LOCALE] [--channel CHANNEL] [--no-payment] [--name "FULL NAME"] [--out DIR]';

interface Sample {
  customer: Omit<Customer, 'locale'>;
  payment: ScheduledPayment;
  phone: string;
}

// Made up, but shaped like real customers: per locale (else per language), a name, a currency and a time zone.
const SAMPLES: Record<string, Sample> = {
  en: {
    customer: { customerId: 'SAMPLE-EN', fullName: "Liam O'Brien", email: 'liam.obrien@example.com', phone: '+14155550123', timezone: 'America/Los_Angeles', smsConsent: true },
    payment: { dueDate: '2026-12-03', amount: '249.90', currency: 'USD' },
    phone: '+1 800 555 0100',
  },
  es: {
    customer: { customerId: 'SAMPLE-ES', fullName: 'María José Fernández', email: 'mariajose@example.com', phone: '+34612345678', timezone: 'Europe/Madrid', smsConsent: true },
    payment: { dueDate: '2026-12-03', amount: '182.40', currency: 'EUR' },
    phone: '+34 900 123 456',
  },
  'es-MX': {
    customer: { customerId: 'SAMPLE-MX', fullName: 'Sofía Hernández Ruiz', email: 'sofia.hernandez@example.com', phone: '+525512345678', timezone: 'America/Mexico_City', smsConsent: true },
    payment: { dueDate: '2026-12-03', amount: '3450.00', currency: 'MXN' },
    phone: '800 123 4567',
  },
  'en-GB': {
    customer: { customerId: 'SAMPLE-GB', fullName: 'Zoë Williams', email: 'zoe.williams@example.com', phone: '+447700900123', timezone: 'Europe/London', smsConsent: true },
    payment: { dueDate: '2026-12-03', amount: '82.05', currency: 'GBP' },
    phone: '0800 123 4567',
  },
};

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new InputError(`--${name} must be one of ${allowed.join(', ')} (got '${value}')`);
  return value as T;
}

function parseArguments(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        type: { type: 'string' },
        locale: { type: 'string' },
        channel: { type: 'string' },
        'no-payment': { type: 'boolean', default: false },
        name: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    // parseArgs explains at length; the first sentence names the problem.
    const message = (error as Error).message.split(/\.\s/)[0] ?? 'bad arguments';
    throw new InputError(`${message}; ${USAGE}`);
  }
}

function sampleContext(type: InterventionType, locale: string, withPayment: boolean, name: string | undefined): MessageContext {
  const sample = SAMPLES[locale] ?? SAMPLES[locale.split('-')[0] ?? locale] ?? SAMPLES.en!;
  const customer: Customer = { ...sample.customer, locale, ...(name ? { fullName: name } : {}) };
  return {
    customer,
    payment: withPayment ? sample.payment : null,
    type,
    offers: DEFAULT_POLICY.tiers.find((tier) => tier.type === type)?.offers ?? [],
    contactBy: new Date(Date.UTC(2026, 10, 27, 15, 0)),
    unsubscribeUrl: `https://engine.example.com/unsubscribe/${signUnsubscribeToken(customer.customerId, 'preview-secret')}`,
    sender: { name: 'Aurora Finance', email: 'care@aurora-finance.example', phone: sample.phone, helpUrl: 'https://aurora-finance.example/help' },
  };
}

function showMessages(ctx: MessageContext, messages: RenderedMessages): string {
  const who = `${ctx.customer.fullName}${ctx.payment ? '' : ', no scheduled payment'}`;
  const out = [`######## ${ctx.type} · ${ctx.customer.locale} (templates: ${templateLocale(ctx.customer.locale)}; ${who})`];
  if (messages.email) {
    const e = messages.email;
    const headers = Object.entries(e.headers).map(([key, value]) => `${key}: ${value}`);
    out.push(`--- email\nSubject: ${e.subject}\n${headers.join('\n')}\n\n${e.text}`);
  }
  if (messages.sms) {
    const sms = messages.sms;
    const plural = (n: number) => `${n} segment${n === 1 ? '' : 's'}`;
    const variants = renderSmsVariants(ctx);
    const sent = variants.find((variant) => variant.body === sms.body);
    out.push(`--- sms (${sms.encoding}, ${plural(sms.segments)})\n${sms.body}\n(${sent?.template ?? 'sms'}, ${sms.body.length} characters)`);
    // The wording not sent to this customer, so that a reader sees every template.
    for (const variant of variants.filter((v) => v !== sent)) {
      out.push(`--- sms, other wording: ${variant.template} (${variant.encoding}, ${plural(variant.segments)}, ${variant.body.length} characters; not sent to this customer)\n${variant.body}`);
    }
  }
  if (messages.app_notification) {
    const n = messages.app_notification;
    out.push(`--- app notification\n${n.title}\n${n.body}\n[ ${n.action.label} ] → ${n.action.url}`);
  }
  if (messages.phone) {
    const p = messages.phone;
    const list = (items: string[]) => items.map((item) => `  • ${item}`).join('\n');
    out.push(`--- call script\nOpening:\n  ${p.opening}\nPoints to cover:\n${list(p.points)}\nOffers:\n${list(p.offers)}\nRecord:\n${list(p.record)}`);
  }
  return out.join('\n\n');
}

function writeMessages(dir: string, messages: RenderedMessages): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [];
  if (messages.email) {
    files.push(['email.html', messages.email.html]);
    files.push(['email.txt', `Subject: ${messages.email.subject}\n\n${messages.email.text}\n`]);
  }
  if (messages.sms) files.push(['sms.txt', `${messages.sms.body}\n`]);
  if (messages.app_notification) files.push(['app.json', `${JSON.stringify(messages.app_notification, null, 2)}\n`]);
  if (messages.phone) files.push(['phone.json', `${JSON.stringify(messages.phone, null, 2)}\n`]);
  for (const [name, content] of files) writeFileSync(path.join(dir, name), content);
  return files.map(([name]) => path.join(dir, name));
}

/** Runs the preview for command-line arguments, handing each block of text to `print`; bad arguments throw an InputError. */
export function previewMessages(argv: string[], print: (text: string) => void): void {
  const values = parseArguments(argv);
  if (values.help) {
    print(`${USAGE}\n  TYPE: ${INTERVENTION_TYPES.join(', ')}\n  LOCALE: ${availableLocales().join(', ')} or a regional tag such as es-MX\n  CHANNEL: ${CHANNELS.join(', ')}`);
    return;
  }
  const type = oneOf(values.type, INTERVENTION_TYPES, 'type');
  const channel = oneOf(values.channel, CHANNELS, 'channel');
  const locale = values.locale ?? 'en';
  const language = locale.split('-')[0]?.toLowerCase() ?? '';
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale) || !availableLocales().some((l) => l.toLowerCase() === language)) {
    throw new InputError(`--locale must be one of ${availableLocales().join(', ')} or a regional tag such as es-MX (got '${locale}')`);
  }
  if (values.name !== undefined && values.name.trim() === '') throw new InputError('--name must not be empty');
  const channels: readonly Channel[] = channel ? [channel] : CHANNELS;
  for (const t of type ? [type] : INTERVENTION_TYPES) {
    const ctx = sampleContext(t, locale, !values['no-payment'], values.name);
    const messages = renderMessages(ctx, channels);
    print(`${showMessages(ctx, messages)}\n`);
    if (values.out) {
      for (const file of writeMessages(path.resolve(values.out, locale, t), messages)) print(`wrote ${file}`);
      print('');
    }
  }
}
