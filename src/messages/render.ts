// Rendering an intervention's messages from the template files in templates/<locale>/<type>/
// (Handlebars). A locale's files are read, checked and compiled once, the first time a customer
// of that locale is rendered; after that, rendering is formatting plus compiled template calls,
// because it runs in the evaluate worker's hot loop.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MAX_SMS_SEGMENTS, smsSegments } from '../domain/sms-segments.js';
import { INTERVENTION_TYPES, OFFERS, type Channel, type Customer, type InterventionType, type Offer, type ScheduledPayment } from '../domain/types.js';
import { SmsTooLongError } from '../errors.js';
import { canonicalLocale, firstName, formatAmount, formatChoices, formatDay, formatDueDate } from './format.js';
import type { EmailMessage, RenderedMessages, SmsMessage } from './schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Beside this file when run from source (tsx); tsc does not copy templates into dist/, so a
// compiled build reads them from the source tree.
export const TEMPLATES_DIR = [path.join(here, 'templates'), path.resolve(here, '../../../src/messages/templates')].find((dir) => existsSync(dir)) ?? path.join(here, 'templates');
export const DEFAULT_LOCALE = 'en';

export interface MessageContext {
  customer: Customer;
  payment: ScheduledPayment | null;
  type: InterventionType;
  offers: readonly Offer[];
  /** when we promise to be in touch by */
  contactBy: Date;
  /** https://…/unsubscribe/<token>, built by the caller */
  unsubscribeUrl: string;
  /** the lender's identity, configurable */
  sender: { name: string; email: string; phone?: string; helpUrl: string };
}

// ---- loading -------------------------------------------------------------------------------

type Template = Handlebars.TemplateDelegate;

/** The files every type directory holds; .html.hbs files are HTML-escaped, all others are plain text. */
const TYPE_FILES = [
  'email.subject.hbs',
  'email.html.hbs',
  'email.text.hbs',
  'sms.hbs',
  'sms.short.hbs',
  'app.title.hbs',
  'app.body.hbs',
  'app.action.hbs',
] as const;
type TypeFile = (typeof TYPE_FILES)[number];

const offerWordsSchema = z.strictObject({ label: z.string().min(1), detail: z.string().min(1), phrase: z.string().min(1) });
const offersFileSchema = z.record(z.enum(OFFERS), offerWordsSchema);
const phoneFileSchema = z.strictObject({
  opening: z.string().min(1),
  points: z.array(z.string().min(1)).min(1),
  record: z.array(z.string().min(1)).min(1),
});
type OfferWords = z.infer<typeof offerWordsSchema>;

interface TypeTemplates {
  files: Record<TypeFile, Template>;
  phone: { opening: Template; points: Template[]; record: Template[] };
}
interface LocaleTemplates {
  /** the directory name, e.g. 'es' */
  locale: string;
  offers: Record<Offer, OfferWords>;
  types: Record<InterventionType, TypeTemplates>;
  /** the customer's web pages (help, preferences): pages/<name>.html.hbs */
  pages: Map<string, Template>;
}

// strict: a misspelt field throws instead of rendering as nothing. knownHelpersOnly: only
// if/each/with, which also lets Handlebars compile plain lookups. HTML escapes; text does not, so
// "O'Brien" stays O'Brien in an SMS and becomes O&#x27;Brien in HTML.
const TEXT_OPTIONS: CompileOptions = { strict: true, knownHelpersOnly: true, noEscape: true };
const HTML_OPTIONS: CompileOptions = { strict: true, knownHelpersOnly: true };

/** Handlebars compiles lazily; parsing now makes a broken template fail at load, not in the middle of a batch. */
function checkSyntax(root: string, source: string, file: string): string {
  try {
    Handlebars.parse(source);
  } catch (error) {
    throw new Error(`template ${path.relative(root, file)}: ${(error as Error).message}`);
  }
  return source;
}

function readTemplate(root: string, file: string): string {
  if (!existsSync(file)) throw new Error(`template ${path.relative(root, file)} is missing`);
  return checkSyntax(root, readFileSync(file, 'utf8'), file);
}

function readYamlFile<T>(root: string, file: string, schema: z.ZodType<T>): T {
  const name = path.relative(root, file);
  if (!existsSync(file)) throw new Error(`template ${name} is missing`);
  let content: unknown;
  try {
    content = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`template ${name}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(content);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`template ${name}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Each locale gets its own pair of Handlebars environments, so that its partials (footer, offer
 * list, how to reach us) do not collide with another locale's. partials/x.html.hbs is the HTML
 * flavour of partial x, partials/x.text.hbs the text one, partials/x.hbs serves both.
 */
function loadLocale(root: string, locale: string): LocaleTemplates {
  const dir = path.join(root, locale);
  const text = Handlebars.create();
  const html = Handlebars.create();
  const partialsDir = path.join(dir, 'partials');
  for (const file of existsSync(partialsDir) ? readdirSync(partialsDir).sort() : []) {
    const match = /^([a-z0-9-]+)(?:\.(html|text))?\.hbs$/.exec(file);
    if (!match?.[1]) throw new Error(`template ${locale}/partials/${file}: a partial is named name.hbs, name.text.hbs or name.html.hbs`);
    // A partial is often used inside a sentence ("…or {{> reach-us}}."): its file's final newline is not part of it.
    const source = readTemplate(root, path.join(partialsDir, file)).replace(/\r?\n$/, '');
    if (match[2] !== 'html') text.registerPartial(match[1], text.compile(source, TEXT_OPTIONS));
    if (match[2] !== 'text') html.registerPartial(match[1], html.compile(source, HTML_OPTIONS));
  }
  const compileType = (type: InterventionType): TypeTemplates => {
    const typeDir = path.join(dir, type);
    const files = Object.fromEntries(
      TYPE_FILES.map((file) => {
        const source = readTemplate(root, path.join(typeDir, file));
        return [file, file.endsWith('.html.hbs') ? html.compile(source, HTML_OPTIONS) : text.compile(source, TEXT_OPTIONS)];
      }),
    ) as Record<TypeFile, Template>;
    const phoneFile = path.join(typeDir, 'phone.yaml');
    const phone = readYamlFile(root, phoneFile, phoneFileSchema);
    const compileLine = (source: string) => text.compile(checkSyntax(root, source, phoneFile), TEXT_OPTIONS);
    return { files, phone: { opening: compileLine(phone.opening), points: phone.points.map(compileLine), record: phone.record.map(compileLine) } };
  };
  const pagesDir = path.join(dir, 'pages');
  const pages = new Map<string, Template>();
  for (const file of existsSync(pagesDir) ? readdirSync(pagesDir).sort() : []) {
    const match = /^([a-z0-9-]+)\.html\.hbs$/.exec(file);
    if (!match?.[1]) throw new Error(`template ${locale}/pages/${file}: a page is named name.html.hbs`);
    pages.set(match[1], html.compile(readTemplate(root, path.join(pagesDir, file)), HTML_OPTIONS));
  }
  return {
    locale,
    offers: readYamlFile(root, path.join(dir, 'offers.yaml'), offersFileSchema),
    types: Object.fromEntries(INTERVENTION_TYPES.map((type) => [type, compileType(type)])) as Record<InterventionType, TypeTemplates>,
    pages,
  };
}

let localeDirs: Map<string, string> | null = null;
const loaded = new Map<string, LocaleTemplates>();

/** The locale directories of `root`: every directory holding an offers.yaml. */
function localeDirsOf(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, entry.name, 'offers.yaml')))
    .map((entry) => entry.name);
}

/** The locales that have templates. */
export function availableLocales(): string[] {
  localeDirs ??= new Map(localeDirsOf(TEMPLATES_DIR).map((name) => [name.toLowerCase(), name]));
  return [...localeDirs.values()].sort();
}

/** Reads, checks and compiles every locale of a templates directory; throws, naming the file, on the first problem. */
export function checkTemplates(root: string): string[] {
  const locales = localeDirsOf(root).sort();
  for (const locale of locales) loadLocale(root, locale);
  return locales;
}

function templatesFor(locale: string): LocaleTemplates {
  let templates = loaded.get(locale);
  if (!templates) {
    templates = loadLocale(TEMPLATES_DIR, locale);
    loaded.set(locale, templates);
  }
  return templates;
}

/** Reads and compiles every locale now (a start-up check): a missing or broken file throws here. */
export function loadAllTemplates(): string[] {
  const locales = availableLocales();
  for (const locale of locales) templatesFor(locale);
  return locales;
}

/** The template directory for a customer's locale: 'es-MX' → 'es-MX' if it has templates, else 'es', else 'en'. */
export function templateLocale(customerLocale: string): string {
  availableLocales();
  const tag = customerLocale.trim().toLowerCase().replace(/_/g, '-');
  const candidates = [tag, tag.split('-')[0] ?? tag, DEFAULT_LOCALE];
  for (const candidate of candidates) {
    const dir = localeDirs?.get(candidate);
    if (dir) return dir;
  }
  throw new Error(`no templates for locale '${customerLocale}' nor for '${DEFAULT_LOCALE}' in ${TEMPLATES_DIR}`);
}

interface ResolvedLocale {
  templates: LocaleTemplates;
  /** the locale numbers and dates are written in: the customer's own when it is the template's language */
  format: string;
}
const resolved = new Map<string, ResolvedLocale>();

function resolveLocale(customerLocale: string): ResolvedLocale {
  let found = resolved.get(customerLocale);
  if (!found) {
    const templates = templatesFor(templateLocale(customerLocale));
    const own = canonicalLocale(customerLocale);
    const sameLanguage = own !== null && own.split('-')[0]?.toLowerCase() === templates.locale.split('-')[0]?.toLowerCase();
    // An 'fr' customer reads English templates: an English date, not '1 décembre' inside English text.
    found = { templates, format: sameLanguage && own ? own : (canonicalLocale(templates.locale) ?? DEFAULT_LOCALE) };
    if (resolved.size < 1_000) resolved.set(customerLocale, found);
  }
  return found;
}

// ---- rendering -----------------------------------------------------------------------------

const block = (value: string) => value.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim();
const line = (value: string) => value.replace(/[ \t\r\n]+/g, ' ').trim();
// In an SMS, the no-break spaces Intl puts in '182,40 €' or '7:00 PM' would force UCS-2 for the
// whole message: a plain space reads the same on a phone.
const smsLine = (value: string) => value.replace(/\s+/g, ' ').trim();
const UNSUBSCRIBE_URL = /^https?:\/\/[^\s<>]+$/;

function templateData(ctx: MessageContext, locale: ResolvedLocale): Record<string, unknown> {
  const { customer, payment } = ctx;
  const offers = ctx.offers.map((offer) => locale.templates.offers[offer]);
  return {
    lang: locale.format,
    name: firstName(customer.fullName),
    fullName: customer.fullName.trim(),
    payment: payment
      ? {
          amount: formatAmount(payment.amount, payment.currency, locale.format),
          dueDate: formatDueDate(payment.dueDate, locale.format, 'long'),
          dueDateShort: formatDueDate(payment.dueDate, locale.format, 'short'),
        }
      : null,
    offers,
    offerList: formatChoices(offers.map((offer) => offer.phrase), locale.format),
    contactBy: formatDay(ctx.contactBy, locale.format, customer.timezone, 'long'),
    contactByShort: formatDay(ctx.contactBy, locale.format, customer.timezone, 'short'),
    sender: { name: ctx.sender.name, email: ctx.sender.email, phone: ctx.sender.phone || null, helpUrl: ctx.sender.helpUrl },
    unsubscribeUrl: ctx.unsubscribeUrl,
  };
}

export function renderMessages(ctx: MessageContext, channels: readonly Channel[]): RenderedMessages {
  const locale = resolveLocale(ctx.customer.locale);
  const templates = locale.templates.types[ctx.type];
  const data = templateData(ctx, locale);
  const rendered: RenderedMessages = {};
  for (const channel of channels) {
    switch (channel) {
      case 'email':
        rendered.email = renderEmail(templates, data, ctx.unsubscribeUrl);
        break;
      case 'sms':
        rendered.sms = renderSms(templates, data, `${locale.templates.locale}/${ctx.type}`);
        break;
      case 'app_notification':
        rendered.app_notification = {
          title: line(templates.files['app.title.hbs'](data)),
          body: line(templates.files['app.body.hbs'](data)),
          action: { label: line(templates.files['app.action.hbs'](data)), url: ctx.sender.helpUrl },
        };
        break;
      case 'phone':
        rendered.phone = {
          opening: line(templates.phone.opening(data)),
          points: templates.phone.points.map((point) => line(point(data))).filter((point) => point.length > 0),
          offers: (data.offers as OfferWords[]).map((offer) => `${offer.label}: ${offer.detail}`),
          record: templates.phone.record.map((item) => line(item(data))),
        };
        break;
    }
  }
  return rendered;
}

function renderEmail(templates: TypeTemplates, data: Record<string, unknown>, unsubscribeUrl: string): EmailMessage {
  // The URL goes into a header as it is: anything but a plain absolute URL is a caller's bug.
  if (!UNSUBSCRIBE_URL.test(unsubscribeUrl)) throw new Error(`unsubscribe URL '${unsubscribeUrl}' is not an absolute http(s) URL`);
  const subject = line(templates.files['email.subject.hbs'](data));
  return {
    subject,
    html: templates.files['email.html.hbs']({ ...data, subject }),
    text: block(templates.files['email.text.hbs'](data)),
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

export interface SmsVariant extends SmsMessage {
  /** e.g. 'es/flexible_payment/sms.short.hbs' */
  template: string;
}

/**
 * Both SMS wordings of a type, for reading (npm run preview): sms.hbs is sent when it fits in two
 * segments; sms.short.hbs, which keeps the name, amount, date and STOP wording but drops the rest,
 * when it does not (a long name, or an accent that turns the message into UCS-2, 67 units a part).
 */
export function renderSmsVariants(ctx: MessageContext): SmsVariant[] {
  const locale = resolveLocale(ctx.customer.locale);
  const data = templateData(ctx, locale);
  const templates = locale.templates.types[ctx.type];
  return SMS_FILES.map((file) => ({ template: `${locale.templates.locale}/${ctx.type}/${file}`, ...smsOf(templates.files[file](data)) }));
}

const SMS_FILES = ['sms.hbs', 'sms.short.hbs'] as const;

function smsOf(rendered: string): SmsMessage {
  const body = smsLine(rendered);
  const { encoding, segments } = smsSegments(body);
  return { body, encoding, segments };
}

function renderSms(templates: TypeTemplates, data: Record<string, unknown>, name: string): SmsMessage {
  const full = smsOf(templates.files['sms.hbs'](data));
  if (full.segments <= MAX_SMS_SEGMENTS) return full;
  const short = smsOf(templates.files['sms.short.hbs'](data));
  if (short.segments <= MAX_SMS_SEGMENTS) return short;
  throw new SmsTooLongError(`${name}/sms.short.hbs`, smsSegments(short.body), MAX_SMS_SEGMENTS);
}

/** The reference design's interventions.message_sent: the text of the first channel's message. */
export function primaryMessageText(messages: RenderedMessages, channels: readonly Channel[]): string | null {
  for (const channel of channels) {
    if (channel === 'sms' && messages.sms) return messages.sms.body;
    if (channel === 'email' && messages.email) return messages.email.text;
    if (channel === 'app_notification' && messages.app_notification) return messages.app_notification.body;
    if (channel === 'phone' && messages.phone) return messages.phone.opening;
  }
  return null;
}

/** The locale directory that serves a language tag, for the customer's web pages. */
export function pageLocale(tag: string): string {
  return resolveLocale(tag).templates.locale;
}

/**
 * One of the customer's web pages (templates/<locale>/pages/<name>.html.hbs) in their language,
 * HTML-escaped. `data` adds to what every page has: lang, sender, the offers in words.
 */
export function renderPage(name: string, customerLocale: string, sender: MessageContext['sender'], data: Record<string, unknown> = {}): string {
  const locale = resolveLocale(customerLocale);
  const page = locale.templates.pages.get(name);
  if (!page) throw new Error(`no page '${name}' in templates/${locale.templates.locale}/pages`);
  const offers = OFFERS.map((offer) => locale.templates.offers[offer]);
  return page({ lang: locale.format, sender: { ...sender, phone: sender.phone || null }, offers, ...data });
}
