// Rendering an intervention's messages from the template files, per type, channel and
// locale (Handlebars). Templates are parsed and compiled once per process; rendering is a
// hot path of the evaluate worker.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { smsSegments } from '../domain/sms-segments.js';
import type { Channel, Customer, InterventionType, Offer, ScheduledPayment } from '../domain/types.js';
import { firstName, formatInstant, paymentWords } from './format.js';

export const TEMPLATES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');
export const MAX_SMS_SEGMENTS = 2;

export interface MessageContext {
  customer: Customer;
  payment: ScheduledPayment | null;
  type: InterventionType;
  offers: readonly Offer[];
  /** when we promise to be in touch by */
  contactBy: Date;
  /** https://…/unsubscribe/<token>, built by the caller */
  unsubscribeUrl: string;
  sender: { name: string; email: string; phone: string; helpUrl: string };
}

export interface EmailMessage {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}
export interface SmsMessage {
  body: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}
export interface AppNotification {
  title: string;
  body: string;
  action: { label: string; url: string };
}
export interface CallScript {
  opening: string;
  points: string[];
  offers: string[];
  record: string[];
}
export interface RenderedMessages {
  email?: EmailMessage;
  sms?: SmsMessage;
  app_notification?: AppNotification;
  phone?: CallScript;
}

// The files' shapes, checked when they are loaded: a broken template fails loudly at start.
const typeFileSchema = z.object({
  email: z.object({ subject: z.string(), paragraphs: z.array(z.string()).min(1), closing: z.array(z.string()) }),
  /** in order of preference: the first that fits in two segments is sent */
  sms: z.array(z.string()).min(1),
  app: z.object({ title: z.string(), body: z.string(), action: z.string() }),
  phone: z.object({ opening: z.string(), points: z.array(z.string()), record: z.array(z.string()) }),
});
const localeFileSchema = z.object({
  offers: z.record(z.string(), z.string()),
  email: z.object({ offersIntro: z.string(), signoff: z.string(), footer: z.string(), unsubscribe: z.string() }),
});

type Template = Handlebars.TemplateDelegate<Record<string, unknown>>;
interface CompiledType {
  email: { subject: Template; paragraphs: Template[]; closing: Template[] };
  sms: Template[];
  app: { title: Template; body: Template; action: Template };
  phone: { opening: Template; points: Template[]; record: Template[] };
}
interface CompiledLocale {
  offers: Record<string, string>;
  email: { offersIntro: Template; signoff: Template; footer: Template; unsubscribe: Template };
  html: Template;
  types: Map<InterventionType, CompiledType>;
}

// Text channels must not be HTML-escaped ("O'Brien" stays O'Brien); only the HTML layout escapes.
const text = (source: string): Template => Handlebars.compile(source, { noEscape: true, strict: true });
const locales = new Map<string, CompiledLocale | null>();

function readYaml(file: string): unknown {
  return parseYaml(readFileSync(file, 'utf8'));
}

function loadLocale(locale: string): CompiledLocale | null {
  if (locales.has(locale)) return locales.get(locale) ?? null;
  const dir = path.join(TEMPLATES_DIR, locale);
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale) || !existsSync(path.join(dir, 'locale.yaml'))) {
    locales.set(locale, null);
    return null;
  }
  const file = localeFileSchema.parse(readYaml(path.join(dir, 'locale.yaml')));
  const compiled: CompiledLocale = {
    offers: file.offers,
    email: {
      offersIntro: text(file.email.offersIntro),
      signoff: text(file.email.signoff),
      footer: text(file.email.footer),
      unsubscribe: text(file.email.unsubscribe),
    },
    html: Handlebars.compile(readFileSync(path.join(dir, 'email.html.hbs'), 'utf8'), { strict: true }),
    types: new Map(),
  };
  locales.set(locale, compiled);
  return compiled;
}

function loadType(locale: CompiledLocale, localeName: string, type: InterventionType): CompiledType {
  const known = locale.types.get(type);
  if (known) return known;
  const file = path.join(TEMPLATES_DIR, localeName, `${type}.yaml`);
  const parsed = typeFileSchema.safeParse(readYaml(file));
  if (!parsed.success) throw new Error(`template ${file}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const t = parsed.data;
  const compiled: CompiledType = {
    email: { subject: text(t.email.subject), paragraphs: t.email.paragraphs.map(text), closing: t.email.closing.map(text) },
    sms: t.sms.map(text),
    app: { title: text(t.app.title), body: text(t.app.body), action: text(t.app.action) },
    phone: { opening: text(t.phone.opening), points: t.phone.points.map(text), record: t.phone.record.map(text) },
  };
  locale.types.set(type, compiled);
  return compiled;
}

/** 'es-MX' → 'es-MX' if it has templates, else 'es', else 'en'. */
export function templateLocale(locale: string): string {
  const candidates = [locale, locale.split('-')[0] ?? locale, 'en'];
  const found = candidates.find((candidate) => loadLocale(candidate) !== null);
  if (!found) throw new Error(`no templates for locale '${locale}' nor for 'en' in ${TEMPLATES_DIR}`);
  return found;
}

const clean = (value: string) => value.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();

export function renderMessages(ctx: MessageContext, channels: readonly Channel[]): RenderedMessages {
  const localeName = templateLocale(ctx.customer.locale);
  const locale = loadLocale(localeName)!;
  const templates = loadType(locale, localeName, ctx.type);
  const offers = ctx.offers.map((offer) => locale.offers[offer] ?? offer);
  const data: Record<string, unknown> = {
    name: firstName(ctx.customer.fullName),
    fullName: ctx.customer.fullName,
    payment: paymentWords(ctx.payment, ctx.customer.locale),
    offers,
    contactBy: formatInstant(ctx.contactBy, ctx.customer),
    sender: ctx.sender,
    unsubscribeUrl: ctx.unsubscribeUrl,
  };
  const rendered: RenderedMessages = {};
  for (const channel of channels) {
    if (channel === 'email') rendered.email = renderEmail(templates, locale, data, ctx);
    if (channel === 'sms') rendered.sms = renderSms(templates, data, `${localeName}/${ctx.type}`);
    if (channel === 'app_notification') {
      rendered.app_notification = {
        title: clean(templates.app.title(data)),
        body: clean(templates.app.body(data)),
        action: { label: clean(templates.app.action(data)), url: ctx.sender.helpUrl },
      };
    }
    if (channel === 'phone') {
      rendered.phone = {
        opening: clean(templates.phone.opening(data)),
        points: templates.phone.points.map((point) => clean(point(data))).filter(Boolean),
        offers,
        record: templates.phone.record.map((item) => clean(item(data))),
      };
    }
  }
  return rendered;
}

function renderEmail(templates: CompiledType, locale: CompiledLocale, data: Record<string, unknown>, ctx: MessageContext): EmailMessage {
  const paragraphs = templates.email.paragraphs.map((p) => clean(p(data))).filter(Boolean);
  const closing = templates.email.closing.map((p) => clean(p(data))).filter(Boolean);
  const offersIntro = clean(locale.email.offersIntro(data));
  const signoff = clean(locale.email.signoff(data));
  const footer = clean(locale.email.footer(data));
  const unsubscribe = clean(locale.email.unsubscribe(data));
  const offers = data.offers as string[];
  const textBody = [
    ...paragraphs,
    offers.length ? `${offersIntro}\n${offers.map((offer) => `- ${offer}`).join('\n')}` : '',
    ...closing,
    signoff,
    '--',
    footer,
    `${unsubscribe}: ${ctx.unsubscribeUrl}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    subject: clean(templates.email.subject(data)),
    text: textBody,
    html: locale.html({ ...data, paragraphs, closing, offersIntro, signoff, footer, unsubscribe, lang: ctx.customer.locale }),
    headers: {
      'List-Unsubscribe': `<${ctx.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

function renderSms(templates: CompiledType, data: Record<string, unknown>, name: string): SmsMessage {
  for (const template of templates.sms) {
    const body = clean(template(data)).replace(/\s*\n\s*/g, ' ');
    const size = smsSegments(body);
    if (size.segments <= MAX_SMS_SEGMENTS) return { body, encoding: size.encoding, segments: size.segments };
  }
  throw new Error(`template ${name}/sms: every variant is longer than ${MAX_SMS_SEGMENTS} segments for this customer`);
}

/** The reference design's message_sent: the text of the first channel's message. */
export function primaryMessageText(messages: RenderedMessages, channels: readonly Channel[]): string | null {
  for (const channel of channels) {
    if (channel === 'sms' && messages.sms) return messages.sms.body;
    if (channel === 'email' && messages.email) return messages.email.text;
    if (channel === 'app_notification' && messages.app_notification) return messages.app_notification.body;
    if (channel === 'phone' && messages.phone) return messages.phone.opening;
  }
  return null;
}
