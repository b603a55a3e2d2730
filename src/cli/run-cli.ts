// The one way a command ends: known errors as one line on stderr and a non-zero exit,
// never a stack trace for something the user can fix.
import { debugRequested } from '../config.js';
import { ConfigError, InputError, errorMessage } from '../errors.js';

export function describeFailure(error: unknown): string {
  if (error instanceof InputError || error instanceof ConfigError) return error.message;
  const code = (error as { code?: string } | null)?.code;
  const message = errorMessage(error);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return `cannot connect: ${message.replace(/^connect /, '')} (is the service running? try: docker compose up -d redis postgres)`;
  }
  if (code === '3D000' || code === '28P01' || code === '28000') return `database: ${message}`;
  return message;
}

export async function runCli(main: () => Promise<void | number>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (error) {
    const known = error instanceof InputError || error instanceof ConfigError;
    console.error(`error: ${describeFailure(error)}`);
    if (!known && debugRequested()) console.error(error);
    process.exitCode = known ? 2 : 1;
  }
}
