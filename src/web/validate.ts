// Request bodies validated with zod into typed values, or a 400 naming the field.
import type { z } from 'zod';
import { InputError, missingFieldIsRequired } from '../errors.js';

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {}, missingFieldIsRequired);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  const message = issue?.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid body');
  throw new InputError(`${where}${message}`);
}
