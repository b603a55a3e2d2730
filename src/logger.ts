// Structured logs (pino), one event per line with ids. Secrets are redacted by path as a
// second line of defence; the first is never logging them.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination` defaults to stdout; tests pass their own to read what was logged. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ['*.authorization', '*.headers.authorization', '*.adminToken', '*.apiKey', '*.authToken', '*.password'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
