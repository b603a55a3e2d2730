// The shape of the messages an intervention stores (interventions.messages, jsonb), one zod
// schema per channel: rendering produces these types, and a delivery parses what it reads back
// with the same schemas, so that it never sends a message it cannot parse.
import { z } from 'zod';
import type { Channel } from '../domain/types.js';

export const emailMessageSchema = z.object({
  subject: z.string().min(1),
  html: z.string().min(1),
  text: z.string().min(1),
  /** List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click) */
  headers: z.record(z.string(), z.string()),
});

export const smsMessageSchema = z.object({
  body: z.string().min(1),
  encoding: z.enum(['GSM-7', 'UCS-2']),
  segments: z.number().int().positive(),
});

export const appNotificationSchema = z.object({
  title: z.string().min(1),
  body: z.string().min(1),
  action: z.object({ label: z.string(), url: z.string() }),
});

export const callScriptSchema = z.object({
  opening: z.string(),
  points: z.array(z.string()),
  offers: z.array(z.string()),
  record: z.array(z.string()),
});

const MESSAGE_SCHEMAS = {
  email: emailMessageSchema,
  sms: smsMessageSchema,
  app_notification: appNotificationSchema,
  phone: callScriptSchema,
} as const satisfies Record<Channel, z.ZodType>;

/** The stored message of one channel. */
export type MessageOf<C extends Channel> = z.infer<(typeof MESSAGE_SCHEMAS)[C]>;
export type EmailMessage = MessageOf<'email'>;
export type SmsMessage = MessageOf<'sms'>;
export type AppNotification = MessageOf<'app_notification'>;
export type CallScript = MessageOf<'phone'>;

/** An intervention's messages, one per channel it was rendered for. */
export type RenderedMessages = { [C in Channel]?: MessageOf<C> };

/** The `channel` message of a stored interventions.messages value, or why it cannot be used. */
export function parseStoredMessage<C extends Channel>(channel: C, stored: unknown): { message: MessageOf<C> } | { problem: string } {
  const value = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>)[channel] : undefined;
  const parsed = MESSAGE_SCHEMAS[channel].safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: value === undefined ? `no ${channel} message` : `${channel} message ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`.replace(' :', ':') };
  }
  // The schema of `channel` parsed it, so it is that channel's message.
  return { message: parsed.data as MessageOf<C> };
}
