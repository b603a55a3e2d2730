// npm run preview -- --type flexible_payment --locale es [--channel sms] [--no-payment] [--out DIR]
// Renders an intervention's messages for a sample customer, so that a person can read every
// template as a customer would receive it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { signUnsubscribeToken } from '../domain/unsubscribe-token.js';
import { CHANNELS, INTERVENTION_TYPES, type Channel, type Customer, type InterventionType, type ScheduledPayment } from '../domain/types.js';
import { InputError } from '../errors.js';
import { renderMessages, type RenderedMessages } from '../messages/render.js';
import { runCli } from './run-cli.js';

const SAMPLES: Record<string, { customer: Customer; payment: ScheduledPayment }> = {
  en: {
    customer: { customerId: 'SAMPLE-EN', fullName: "Siobhán O'Brien", email: 'siobhan@example.com', phone: '+12125550123', timezone: 'America/New_York', locale: 'en', smsConsent: true },
    payment: { dueDate: '2026-12-03', amount: '249.90', currency: 'USD' },
  },
  es: {
    customer: { customerId: 'SAMPLE-ES', fullName: 'María José Fernández', email: 'mariajose@example.com', phone: '+34612345678', timezone: 'Europe/Madrid', locale: 'es', smsConsent: true },
    payment: { dueDate: '2026-12-03', amount: '182.40', currency: 'EUR' },
  },
};

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new InputError(`--${name} must be one of ${allowed.join(', ')} (got '${value}')`);
  return value as T;
}

function show(type: InterventionType, locale: string, messages: RenderedMessages): string {
  const out = [`######## ${type} · ${locale}`];
  if (messages.email) out.push(`--- email\nSubject: ${messages.email.subject}\n${Object.entries(messages.email.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${messages.email.text}`);
  if (messages.sms) out.push(`--- sms (${messages.sms.encoding}, ${messages.sms.segments} segment${messages.sms.segments === 1 ? '' : 's'})\n${messages.sms.body}`);
  if (messages.app_notification) {
    const n = messages.app_notification;
    out.push(`--- app notification\n${n.title}\n${n.body}\n[${n.action.label}] → ${n.action.url}`);
  }
  if (messages.phone) {
    const p = messages.phone;
    out.push(`--- call script\nOpening: ${p.opening}\nPoints:\n${p.points.map((x) => `  • ${x}`).join('\n')}\nOffers:\n${p.offers.map((x) => `  • ${x}`).join('\n')}\nRecord:\n${p.record.map((x) => `  • ${x}`).join('\n')}`);
  }
  return out.join('\n\n');
}

await runCli(async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        type: { type: 'string' },
        locale: { type: 'string', default: 'en' },
        channel: { type: 'string' },
        'no-payment': { type: 'boolean', default: false },
        out: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new InputError(`${(error as Error).message}; usage: npm run preview -- --type TYPE --locale en|es [--channel CHANNEL] [--no-payment] [--out DIR]`);
  }
  const type = oneOf(values.type, INTERVENTION_TYPES, 'type');
  const locale = oneOf(values.locale, Object.keys(SAMPLES), 'locale') ?? 'en';
  const channel = oneOf(values.channel, CHANNELS, 'channel');
  const sample = SAMPLES[locale]!;
  const contactBy = new Date(Date.UTC(2026, 10, 26, 15, 0));
  for (const t of type ? [type] : INTERVENTION_TYPES) {
    const channels: Channel[] = channel ? [channel] : [...CHANNELS];
    const messages = renderMessages(
      {
        customer: sample.customer,
        payment: values['no-payment'] ? null : sample.payment,
        type: t,
        offers: DEFAULT_POLICY.tiers.find((tier) => tier.type === t)?.offers ?? [],
        contactBy,
        unsubscribeUrl: `http://localhost:3000/unsubscribe/${signUnsubscribeToken(sample.customer.customerId, 'preview-secret')}`,
        sender: { name: 'Customer Care', email: 'care@example.com', phone: '+1 800 555 0100', helpUrl: 'http://localhost:3000/help' },
      },
      channels,
    );
    console.log(`${show(t, locale, messages)}\n`);
    if (values.out) {
      const dir = path.resolve(values.out, locale, t);
      mkdirSync(dir, { recursive: true });
      if (messages.email) writeFileSync(path.join(dir, 'email.html'), messages.email.html);
      writeFileSync(path.join(dir, 'messages.json'), JSON.stringify(messages, null, 2));
      console.log(`written to ${dir}\n`);
    }
  }
});
