// Structured logs (pino), one event per line with ids. Secrets are redacted by path as a
// second line of defence; the first is never logging them.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.authorization', '*.headers.authorization', '*.adminToken', '*.apiKey', '*.authToken', '*.password'],
      censor: '[redacted]',
    },
  });
}
