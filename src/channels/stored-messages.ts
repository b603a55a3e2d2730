// The rendered messages an intervention stores (jsonb), read back with their shape checked:
// a delivery never sends a message it cannot parse.
import { z } from 'zod';
import type { DeliveryWork } from '../db/deliveries.js';

export const storedEmail = z.object({
  subject: z.string().min(1),
  html: z.string().min(1),
  text: z.string().min(1),
  headers: z.record(z.string(), z.string()),
});
export const storedSms = z.object({ body: z.string().min(1) });
export const storedAppNotification = z.object({
  title: z.string().min(1),
  body: z.string().min(1),
  action: z.object({ label: z.string(), url: z.string() }).optional(),
});
export const storedCallScript = z.object({
  opening: z.string(),
  points: z.array(z.string()),
  offers: z.array(z.string()),
  record: z.array(z.string()),
});

/** An intervention's stored message cannot be sent: retrying cannot mend it. */
export class UnusableMessageError extends Error {
  override name = 'UnusableMessageError';
}

export function storedMessage<T>(work: DeliveryWork, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(work.messages?.[work.channel]);
  if (!parsed.success) {
    throw new UnusableMessageError(`intervention ${work.interventionId} has no usable ${work.channel} message: ${parsed.error.issues[0]?.message ?? 'missing'}`);
  }
  return parsed.data;
}
